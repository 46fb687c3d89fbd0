"""The single entry point for every status change of a check-in (point d'étape)."""

from django.utils import timezone

from sas.audit.transitions import StateMachine

from .models import ActorKind, PointEtape, PointEtapeEvent, PointEtapeStatus

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
MACHINE = StateMachine(
    PointEtape,
    PointEtapeEvent,
    subject="point",
    table=TRANSITIONS,
    noun="Ce point d'étape",
    pronoun="le",
    changed_at="status_changed_at",
)


def start(suivi, mois, prevu_le, *, at):
    """Plan the check-in of `suivi` due `mois` months after the take-up, with its first event."""
    point = PointEtape(suivi=suivi, mois=mois, prevu_le=prevu_le, status=S.A_VENIR)
    return MACHINE.start(point, at=at, actor_kind=ActorKind.SYSTEME)


def transition(point, to_status, *, actor_kind, reason="", actor=None, at=None, detail=None):
    """Move the check-in to `to_status` if allowed and write exactly one event (the row is locked and re-read)."""
    at = at or timezone.now()
    values = {"envoye_le": at} if to_status == S.ENVOYE else None
    return MACHINE.transition(
        point, to_status, at=at, values=values, actor_kind=actor_kind, reason=reason, detail=detail or {}, actor=actor
    )


def record_fact(point, kind, *, actor_kind, reason="", actor=None, at=None, detail=None):
    """Write an event that does not change the status (a reminder, an answer)."""
    return MACHINE.record_fact(
        point, kind, at=at, actor_kind=actor_kind, reason=reason, detail=detail or {}, actor=actor
    )
