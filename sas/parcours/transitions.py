"""The single entry point for every status change of a journey."""

from django.db import transaction
from django.utils import timezone

from sas.audit.transitions import TransitionError, apply_transition

from .models import EventKind, Parcours, ParcoursEvent
from .status import INITIAL, SIDE_EXITS, TRANSITIONS, Status


def start(*, jeune, territory, status=Status.SIGNALE, actor=None, at=None):
    """Open a journey in one of its initial statuses, with its first event."""
    parcours, event = build_start(jeune=jeune, territory=territory, status=status, actor=actor, at=at)
    with transaction.atomic():
        parcours.save()
        event.parcours = parcours
        event.save()
    return parcours


def build_start(*, jeune, territory, status=Status.SIGNALE, actor=None, at=None):
    """The unsaved journey and first event `start()` writes, for callers that write many at once."""
    if status not in INITIAL:
        raise TransitionError(f"Un parcours ne peut pas commencer au statut « {Status(status).label} ».")
    at = at or timezone.now()
    parcours = Parcours(jeune=jeune, territory=territory, status=status, status_changed_at=at, created_at=at)
    return parcours, ParcoursEvent(parcours=parcours, to_status=status, actor=actor, occurred_at=at)


def transition(parcours, to_status, *, actor=None, reason="", at=None):
    """Move `parcours` to `to_status` if the state machine allows it, and write exactly one event.

    The row is locked and re-read, so two concurrent clicks cannot both move it.
    Raises TransitionError (with a French message) and writes nothing otherwise.
    """
    to_status = Status(to_status)
    reason = (reason or "").strip()
    at = at or timezone.now()

    def check(current):
        if to_status in SIDE_EXITS and not reason:
            raise TransitionError(f"Indiquez le motif de la sortie « {to_status.label} ».", code="reason_required")
        if at < current.status_changed_at:
            raise TransitionError("La date du changement précède celle du statut actuel.", code="past")

    return apply_transition(
        parcours,
        to_status,
        field="status",
        table=TRANSITIONS,
        refused=_refused,
        check=check,
        event=lambda current: ParcoursEvent(
            parcours=current,
            from_status=current.status,
            to_status=to_status,
            reason=reason,
            actor=actor,
            occurred_at=at,
        ),
        values={"status_changed_at": at},
    )


def _refused(current, to_status):
    return TransitionError(
        f"Passage de « {Status(current.status).label} » à « {to_status.label} » impossible.", code="forbidden"
    )


def record_fact(parcours, kind, *, actor=None, reason="", at=None, detail=None):
    """Write an event that is not a status change (a new signalement, a contact attempt, a message…)."""
    event = build_fact(parcours, kind, actor=actor, reason=reason, at=at, detail=detail)
    event.save()
    return event


def build_fact(parcours, kind, *, actor=None, reason="", at=None, detail=None):
    """The unsaved event `record_fact()` writes, for callers that write many at once."""
    if kind == EventKind.TRANSITION:
        raise ValueError("Un changement de statut passe par transition().")
    return ParcoursEvent(
        parcours=parcours,
        kind=kind,
        from_status=parcours.status,
        to_status=parcours.status,
        reason=reason,
        detail=detail or {},
        actor=actor,
        occurred_at=at or timezone.now(),
    )
