"""The single entry point for every status change of a referral; it keeps the journey's status in step."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sas.audit.transitions import apply_transition
from sas.parcours import transitions as parcours_transitions
from sas.parcours.status import Status

from .models import FINALS, EventKind, Motif, Orientation, OrientationEvent, Statut

S = Statut
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
NEEDS_MOTIF = frozenset({S.REFUSEE, S.EXPIREE, S.ANNULEE})
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


class TransitionError(ValidationError):
    pass


def ouvrir(*, parcours, service, par, actor=None, at=None, **fields):
    """Write a new referral, sent, with its first event (the journey is moved by the caller, before)."""
    at = at or timezone.now()
    with transaction.atomic():
        orientation = Orientation.objects.create(
            parcours=parcours,
            service=service,
            structure=service.structure,
            statut=Statut.ENVOYEE,
            statut_depuis=at,
            envoyee_le=at,
            envoyee_par=actor,
            **fields,
        )
        OrientationEvent.objects.create(
            orientation=orientation, to_statut=Statut.ENVOYEE, par=par, actor=actor, occurred_at=at
        )
    return orientation


def changer(orientation, to_statut, *, par, actor=None, motif="", precision="", at=None, detail=None):
    """Move the referral to `to_statut` if allowed and write exactly one event; move the journey along.

    The row is locked and re-read: a double click on "accept" writes one event, the second raises.
    """
    to_statut = Statut(to_statut)
    precision = (precision or "").strip()
    at = at or timezone.now()

    def check(current):
        if to_statut in NEEDS_MOTIF and not motif:
            raise TransitionError("Indiquez le motif.", code="motif_required")
        if motif == Motif.AUTRE and not precision:
            raise TransitionError("Précisez le motif « autre ».", code="precision_required")

    def then(current):
        _suivre_parcours(current, to_statut, motif, precision, actor, at)
        if to_statut in FINALS:
            current.liens.filter(revoked_at__isnull=True).update(revoked_at=at)

    return apply_transition(
        orientation,
        to_statut,
        field="statut",
        table=TRANSITIONS,
        refused=_refused,
        check=check,
        event=lambda current: OrientationEvent(
            orientation=current,
            from_statut=current.statut,
            to_statut=to_statut,
            par=par,
            motif=motif,
            precision=precision,
            detail=detail or {},
            actor=actor,
            occurred_at=at,
        ),
        values={"statut_depuis": at},
        then=then,
    )


def _refused(current, to_statut):
    return TransitionError(
        f"Cette orientation est déjà « {current.get_statut_display().lower()} » : "
        f"impossible de la passer à « {to_statut.label.lower()} ».",
        code="forbidden",
    )


def _suivre_parcours(orientation, to_statut, motif, precision, actor, at):
    target = PARCOURS_STATUS[to_statut]
    parcours = orientation.parcours
    # A withdrawal closes the journey first, then its referrals: the journey stays closed.
    if target is None or parcours.status == Status.CONSENTEMENT_RETIRE:
        return
    reason = ""
    if target == Status.ORIENTATION_REFUSEE:
        reason = f"{orientation.structure.nom} : {Motif(motif).label}" + (f" ({precision})" if precision else "")
    parcours_transitions.transition(parcours, target, actor=actor, reason=reason, at=at)


def noter(orientation, kind, *, par, actor=None, precision="", at=None, detail=None):
    """Write an event that does not change the status (a reminder, an e-mail, the young person's answer)."""
    if kind == EventKind.TRANSITION:
        raise ValueError("Un changement de statut passe par changer().")
    return OrientationEvent.objects.create(
        orientation=orientation,
        kind=kind,
        from_statut=orientation.statut,
        to_statut=orientation.statut,
        par=par,
        precision=precision,
        detail=detail or {},
        actor=actor,
        occurred_at=at or timezone.now(),
    )
