"""The single entry point for every status change of a check-in (point d'étape)."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from sas.audit.transitions import apply_transition

from .models import EventKind, PointEtape, PointEtapeEvent, Statut

S = Statut
TRANSITIONS = {
    S.A_VENIR: {S.ENVOYE, S.SAUTE, S.ANNULE},
    # A check-in stays open to the other side's answer once one side answered.
    S.ENVOYE: {S.REPONDU, S.SANS_REPONSE, S.ANNULE},
    S.REPONDU: set(),
    S.SANS_REPONSE: set(),
    S.SAUTE: set(),
    S.ANNULE: set(),
}


class TransitionError(ValidationError):
    pass


def changer(point, to_statut, *, par, motif="", actor=None, at=None, detail=None):
    """Move the check-in to `to_statut` if allowed and write exactly one event (the row is locked and re-read)."""
    to_statut = Statut(to_statut)
    at = at or timezone.now()
    values = {"statut_depuis": at}
    if to_statut == S.ENVOYE:
        values["envoye_le"] = at
    return apply_transition(
        point,
        to_statut,
        field="statut",
        table=TRANSITIONS,
        refused=_refused,
        event=lambda current: PointEtapeEvent(
            point=current,
            from_statut=current.statut,
            to_statut=to_statut,
            par=par,
            motif=motif,
            detail=detail or {},
            actor=actor,
            occurred_at=at,
        ),
        values=values,
    )


def _refused(current, to_statut):
    return TransitionError(
        f"Ce point d'étape est déjà « {current.get_statut_display().lower()} » : "
        f"impossible de le passer à « {to_statut.label.lower()} ».",
        code="forbidden",
    )


def noter(point, kind, *, par, motif="", actor=None, at=None, detail=None):
    """Write an event that does not change the status (a reminder, an answer)."""
    if kind == EventKind.TRANSITION:
        raise ValueError("Un changement de statut passe par changer().")
    return PointEtapeEvent.objects.create(
        point=point,
        kind=kind,
        from_statut=point.statut,
        to_statut=point.statut,
        par=par,
        motif=motif,
        detail=detail or {},
        actor=actor,
        occurred_at=at or timezone.now(),
    )


def creer(suivi, mois, prevu_le, *, at):
    return PointEtape.objects.create(suivi=suivi, mois=mois, prevu_le=prevu_le, statut_depuis=at)
