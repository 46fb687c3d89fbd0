"""The single entry point for every status change of a diagnostic: opened as a draft, then completed, once."""

from django.db import transaction
from django.utils import timezone

from sas.audit.transitions import TransitionError, apply_transition

from .models import DiagnosticEvent, DiagnosticStatus

TRANSITIONS = {DiagnosticStatus.BROUILLON: {DiagnosticStatus.TERMINE}, DiagnosticStatus.TERMINE: set()}


def start(diagnostic, *, actor=None, at=None):
    """Save a new diagnostic as a draft, with its first event."""
    if diagnostic.pk is not None:
        raise ValueError("Ce diagnostic est déjà ouvert.")
    at = at or timezone.now()
    with transaction.atomic():
        diagnostic.status = DiagnosticStatus.BROUILLON
        diagnostic.save()
        DiagnosticEvent.objects.create(
            diagnostic=diagnostic, to_status=DiagnosticStatus.BROUILLON, actor=actor, occurred_at=at
        )
    return diagnostic


def terminer(diagnostic, *, actor=None, at=None):
    """Complete the diagnostic if it is still a draft, and write exactly one event. The row is locked and re-read: a
    double submit completes it once, the second raises."""
    at = at or timezone.now()
    return apply_transition(
        diagnostic,
        DiagnosticStatus.TERMINE,
        field="status",
        table=TRANSITIONS,
        refused=_refused,
        event=lambda current: DiagnosticEvent(
            diagnostic=current,
            from_status=current.status,
            to_status=DiagnosticStatus.TERMINE,
            actor=actor,
            occurred_at=at,
        ),
        values={"completed_at": at, "updated_at": at},
    )


def _refused(current, to_status):
    if current.status == DiagnosticStatus.TERMINE:
        return TransitionError("Ce diagnostic est déjà terminé.", code="forbidden")
    return TransitionError(
        f"Passage de « {current.get_status_display()} » à « {DiagnosticStatus(to_status).label} » impossible.",
        code="forbidden",
    )
