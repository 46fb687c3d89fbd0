"""The single entry point for every status change of a check-in (point d'étape)."""

from django.db import transaction
from django.utils import timezone

from sas.audit.transitions import TransitionError, apply_transition

from .models import ActorKind, EventKind, PointEtape, PointEtapeEvent, PointEtapeStatus

S = PointEtapeStatus
TRANSITIONS = {
    S.A_VENIR: {S.ENVOYE, S.SAUTE, S.ANNULE},
    # A check-in stays open to the other side's answer once one side answered.
    S.ENVOYE: {S.REPONDU, S.SANS_REPONSE, S.ANNULE},
    S.REPONDU: set(),
    S.SANS_REPONSE: set(),
    S.SAUTE: set(),
    S.ANNULE: set(),
}


def start(suivi, mois, prevu_le, *, at):
    """Plan the check-in of `suivi` due `mois` months after the take-up, with its first event."""
    with transaction.atomic():
        point = PointEtape.objects.create(suivi=suivi, mois=mois, prevu_le=prevu_le, status_changed_at=at)
        PointEtapeEvent.objects.create(
            point=point, to_status=PointEtapeStatus.A_VENIR, actor_kind=ActorKind.SYSTEME, occurred_at=at
        )
    return point


def transition(point, to_status, *, actor_kind, reason="", actor=None, at=None, detail=None):
    """Move the check-in to `to_status` if allowed and write exactly one event (the row is locked and re-read)."""
    to_status = PointEtapeStatus(to_status)
    at = at or timezone.now()
    values = {"status_changed_at": at}
    if to_status == S.ENVOYE:
        values["envoye_le"] = at
    return apply_transition(
        point,
        to_status,
        field="status",
        table=TRANSITIONS,
        refused=_refused,
        event=lambda current: PointEtapeEvent(
            point=current,
            from_status=current.status,
            to_status=to_status,
            actor_kind=actor_kind,
            reason=reason,
            detail=detail or {},
            actor=actor,
            occurred_at=at,
        ),
        values=values,
    )


def _refused(current, to_status):
    return TransitionError(
        f"Ce point d'étape est déjà « {current.get_status_display().lower()} » : "
        f"impossible de le passer à « {to_status.label.lower()} ».",
        code="forbidden",
    )


def record_fact(point, kind, *, actor_kind, reason="", actor=None, at=None, detail=None):
    """Write an event that does not change the status (a reminder, an answer)."""
    if kind == EventKind.TRANSITION:
        raise ValueError("Un changement de statut passe par transition().")
    return PointEtapeEvent.objects.create(
        point=point,
        kind=kind,
        from_status=point.status,
        to_status=point.status,
        actor_kind=actor_kind,
        reason=reason,
        detail=detail or {},
        actor=actor,
        occurred_at=at or timezone.now(),
    )
