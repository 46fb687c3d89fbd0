"""The single entry point for every status change of a referral; it keeps the journey's status in step."""

from django.utils import timezone

from sas.audit.transitions import StateMachine, TransitionError
from sas.parcours import transitions as parcours_transitions
from sas.parcours.status import Status

from .models import FINALS, Orientation, OrientationEvent, OrientationStatus, Reason

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
MACHINE = StateMachine(
    Orientation,
    OrientationEvent,
    subject="orientation",
    table=TRANSITIONS,
    noun="Cette orientation",
    pronoun="la",
    changed_at="status_changed_at",
)


def start(*, parcours, service, actor_kind, actor=None, at=None, **fields):
    """Write a new referral, sent, with its first event (the journey is moved by the caller, before)."""
    at = at or timezone.now()
    orientation = Orientation(
        parcours=parcours,
        service=service,
        structure=service.structure,
        status=OrientationStatus.ENVOYEE,
        envoyee_le=at,
        envoyee_par=actor,
        **fields,
    )
    return MACHINE.start(orientation, at=at, actor_kind=actor_kind, actor=actor)


def transition(
    orientation,
    to_status,
    *,
    actor_kind,
    actor=None,
    reason="",
    precision="",
    at=None,
    detail=None,
    premier_rdv_le=None,
):
    """Move the referral to `to_status` if allowed and write exactly one event; move the journey along.
    `premier_rdv_le`: the first meeting's date, written with the move to "rendez-vous fixé".

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

    return MACHINE.transition(
        orientation,
        to_status,
        at=at,
        check=check,
        values={"premier_rdv_le": premier_rdv_le} if premier_rdv_le else None,
        then=then,
        actor_kind=actor_kind,
        reason=reason,
        precision=precision,
        detail=detail or {},
        actor=actor,
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
    return MACHINE.record_fact(
        orientation, kind, at=at, actor_kind=actor_kind, precision=precision, detail=detail or {}, actor=actor
    )
