"""The single entry point for every status change of a diagnostic: opened as a draft, then completed, once."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sas.audit.transitions import apply_transition

from .models import DiagnosticEvent, Statut

TRANSITIONS = {Statut.BROUILLON: {Statut.TERMINE}, Statut.TERMINE: set()}


class TransitionError(ValidationError):
    pass


def ouvrir(diagnostic, *, actor=None, at=None):
    """Save a new diagnostic as a draft, with its first event."""
    if diagnostic.pk is not None:
        raise ValueError("Ce diagnostic est déjà ouvert.")
    at = at or timezone.now()
    with transaction.atomic():
        diagnostic.statut = Statut.BROUILLON
        diagnostic.save()
        DiagnosticEvent.objects.create(diagnostic=diagnostic, to_statut=Statut.BROUILLON, actor=actor, occurred_at=at)
    return diagnostic


def terminer(diagnostic, *, actor=None, at=None):
    """Complete the diagnostic if it is still a draft, and write exactly one event. The row is locked and re-read: a
    double submit completes it once, the second raises."""
    at = at or timezone.now()
    return apply_transition(
        diagnostic,
        Statut.TERMINE,
        field="statut",
        table=TRANSITIONS,
        refused=_refused,
        event=lambda current: DiagnosticEvent(
            diagnostic=current, from_statut=current.statut, to_statut=Statut.TERMINE, actor=actor, occurred_at=at
        ),
        values={"completed_at": at, "updated_at": at},
    )


def _refused(current, to_statut):
    if current.statut == Statut.TERMINE:
        return TransitionError("Ce diagnostic est déjà terminé.", code="forbidden")
    return TransitionError(
        f"Passage de « {current.get_statut_display()} » à « {Statut(to_statut).label} » impossible.", code="forbidden"
    )
