"""The single entry point for every status change of a referral; it keeps the journey's status in step."""

from django.db import transaction
from django.utils import timezone

from sas.audit.transitions import TransitionError, apply_transition
from sas.parcours import transitions as parcours_transitions
from sas.parcours.status import Status

from .models import FINALS, EventKind, Orientation, OrientationEvent, OrientationStatus, Reason

S = OrientationStatus
TRANSITIONS = {
    S.ENVOYEE: {S.VUE, S.ACCEPTEE, S.REFUSEE, S.EXPIREE, S.ANNULEE},
    S.VUE: {S.ACCEPTEE, S.REFUSEE, S.EXPIREE, S.ANNULEE},
    S.ACCEPTEE: {S.RDV_FIXE, S.ANNULEE},
    S.RDV_FIXE: {S.PRISE_EN_CHARGE, S.ANNULEE},
    S.PRISE_EN_CHARGE: set(),
    S.REFUSEE: set(),
    S.EXPIREE: set(),
    S.ANNULEE: set(),
}
# A referral that ends without take-up must say why.
NEEDS_REASON = frozenset({S.REFUSEE, S.EXPIREE, S.ANNULEE})
# The journey's status each referral status brings (None: the journey does not move).
PARCOURS_STATUS = {
    S.VUE: None,
    S.ACCEPTEE: Status.ACCEPTEE_PAR_STRUCTURE,
    S.RDV_FIXE: Status.PREMIER_RDV,
    S.PRISE_EN_CHARGE: Status.PRIS_EN_CHARGE,
    S.REFUSEE: Status.ORIENTATION_REFUSEE,
    S.EXPIREE: Status.ORIENTATION_REFUSEE,
    S.ANNULEE: Status.ORIENTATION_REFUSEE,
}


def start(*, parcours, service, actor_kind, actor=None, at=None, **fields):
    """Write a new referral, sent, with its first event (the journey is moved by the caller, before)."""
    at = at or timezone.now()
    with transaction.atomic():
        orientation = Orientation.objects.create(
            parcours=parcours,
            service=service,
            structure=service.structure,
            status=OrientationStatus.ENVOYEE,
            status_changed_at=at,
            envoyee_le=at,
            envoyee_par=actor,
            **fields,
        )
        OrientationEvent.objects.create(
            orientation=orientation,
            to_status=OrientationStatus.ENVOYEE,
            actor_kind=actor_kind,
            actor=actor,
            occurred_at=at,
        )
    return orientation


def transition(orientation, to_status, *, actor_kind, actor=None, reason="", precision="", at=None, detail=None):
    """Move the referral to `to_status` if allowed and write exactly one event; move the journey along.

    The row is locked and re-read: a double click on "accept" writes one event, the second raises.
    """
    to_status = OrientationStatus(to_status)
    precision = (precision or "").strip()
    at = at or timezone.now()

    def check(current):
        if to_status in NEEDS_REASON and not reason:
            raise TransitionError("Indiquez le motif.", code="motif_required")
        if reason == Reason.AUTRE and not precision:
            raise TransitionError("Précisez le motif « autre ».", code="precision_required")

    def then(current):
        _suivre_parcours(current, to_status, reason, precision, actor, at)
        if to_status in FINALS:
            current.liens.filter(revoked_at__isnull=True).update(revoked_at=at)

    return apply_transition(
        orientation,
        to_status,
        field="status",
        table=TRANSITIONS,
        refused=_refused,
        check=check,
        event=lambda current: OrientationEvent(
            orientation=current,
            from_status=current.status,
            to_status=to_status,
            actor_kind=actor_kind,
            reason=reason,
            precision=precision,
            detail=detail or {},
            actor=actor,
            occurred_at=at,
        ),
        values={"status_changed_at": at},
        then=then,
    )


def _refused(current, to_status):
    return TransitionError(
        f"Cette orientation est déjà « {current.get_status_display().lower()} » : "
        f"impossible de la passer à « {to_status.label.lower()} ».",
        code="forbidden",
    )


def _suivre_parcours(orientation, to_status, reason, precision, actor, at):
    target = PARCOURS_STATUS[to_status]
    parcours = orientation.parcours
    # A withdrawal closes the journey first, then its referrals: the journey stays closed.
    if target is None or parcours.status == Status.CONSENTEMENT_RETIRE:
        return
    pourquoi = ""
    if target == Status.ORIENTATION_REFUSEE:
        pourquoi = f"{orientation.structure.nom} : {Reason(reason).label}" + (f" ({precision})" if precision else "")
    parcours_transitions.transition(parcours, target, actor=actor, reason=pourquoi, at=at)


def record_fact(orientation, kind, *, actor_kind, actor=None, precision="", at=None, detail=None):
    """Write an event that does not change the status (a reminder, an e-mail, the young person's answer)."""
    if kind == EventKind.TRANSITION:
        raise ValueError("Un changement de statut passe par transition().")
    return OrientationEvent.objects.create(
        orientation=orientation,
        kind=kind,
        from_status=orientation.status,
        to_status=orientation.status,
        actor_kind=actor_kind,
        precision=precision,
        detail=detail or {},
        actor=actor,
        occurred_at=at or timezone.now(),
    )
