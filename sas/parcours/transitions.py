"""The single entry point for every status change of a journey."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sas.audit.transitions import StateMachine, TransitionError

from .models import ATTEMPT_KINDS, Parcours, ParcoursEvent
from .status import INITIAL, SIDE_EXITS, TRANSITIONS, Status

MACHINE = StateMachine(
    Parcours,
    ParcoursEvent,
    subject="parcours",
    table=TRANSITIONS,
    refused=lambda de, vers: f"Passage de « {de.label} » à « {vers.label} » impossible.",
    changed_at="status_changed_at",
)


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
    # Signalled before the end of a support, the targets' clock starts only when the journey leaves that status.
    parcours.objectifs_depuis = None if status == Status.SORTIE_A_VENIR else at
    return parcours, MACHINE.event(parcours, status, at=at, actor=actor)


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

    return MACHINE.transition(
        parcours,
        to_status,
        at=at,
        check=check,
        values=lambda current: _jalons(current, to_status, at),
        reason=reason,
        actor=actor,
    )


# The milestone each status marks the first time it is reached (reaching "contacté" is also an attempt).
JALONS = {
    Status.CONTACTE: ("contacte_le", "premier_essai_le"),
    Status.INJOIGNABLE: ("injoignable_le",),
    Status.DIAGNOSTIC_FAIT: ("diagnostic_le",),
}


def _plus_tot(current, field, at):
    earlier = getattr(current, field)
    return {} if earlier is not None and earlier <= at else {field: at}


def _jalons(current, to_status, at):
    """The milestones this move sets on the locked row: the first date of each, as indicators.jalons() reads them."""
    values = {}
    if current.status == Status.SORTIE_A_VENIR and current.objectifs_depuis is None:
        values["objectifs_depuis"] = at
    for field in JALONS.get(to_status, ()):
        values |= _plus_tot(current, field, at)
    return values


def record_fact(parcours, kind, *, actor=None, reason="", at=None, detail=None):
    """Write an event that is not a status change (a new signalement, a contact attempt, a message…); an attempt
    sets the journey's first attempt if none came earlier."""
    event = _fact(parcours, kind, actor=actor, reason=reason, at=at, detail=detail)
    if kind not in ATTEMPT_KINDS:
        event.save()
        return event
    earlier = Q(premier_essai_le__isnull=True) | Q(premier_essai_le__gt=event.occurred_at)
    with transaction.atomic():
        event.save()
        if Parcours.objects.filter(earlier, pk=parcours.pk).update(premier_essai_le=event.occurred_at):
            parcours.premier_essai_le = event.occurred_at
    return event


def build_fact(parcours, kind, *, actor=None, reason="", at=None, detail=None):
    """The unsaved event `record_fact()` writes, for callers that write many at once (not an attempt: its milestone
    would not be kept)."""
    if kind in ATTEMPT_KINDS:
        raise ValueError("Une tentative de contact passe par record_fact().")
    return _fact(parcours, kind, actor=actor, reason=reason, at=at, detail=detail)


def _fact(parcours, kind, *, actor, reason, at, detail):
    return MACHINE.fact(parcours, kind, at=at, reason=reason, detail=detail or {}, actor=actor)
