"""The single entry point for every status change of a diagnostic: opened as a draft, then completed, once."""

from django.utils import timezone

from sas.audit.transitions import StateMachine, TransitionError  # noqa: F401 (callers catch it from here)

from .models import Diagnostic, DiagnosticEvent, DiagnosticStatus

TRANSITIONS = {DiagnosticStatus.BROUILLON: {DiagnosticStatus.TERMINE}, DiagnosticStatus.TERMINE: set()}
MACHINE = StateMachine(
    Diagnostic,
    DiagnosticEvent,
    subject="diagnostic",
    table=TRANSITIONS,
    # The one move refused: terminer() has one target, reachable from a draft.
    refused=lambda de, vers: "Ce diagnostic est déjà terminé.",
)


def start(diagnostic, *, actor=None, at=None):
    """Save a new diagnostic as a draft, with its first event."""
    if diagnostic.pk is not None:
        raise ValueError("Ce diagnostic est déjà ouvert.")
    diagnostic.status = DiagnosticStatus.BROUILLON
    return MACHINE.start(diagnostic, actor=actor, at=at)


def terminer(diagnostic, *, actor=None, at=None):
    """Complete the diagnostic if it is still a draft, and write exactly one event. The row is locked and re-read: a
    double submit completes it once, the second raises."""
    at = at or timezone.now()
    return MACHINE.transition(
        diagnostic, DiagnosticStatus.TERMINE, at=at, values={"completed_at": at, "updated_at": at}, actor=actor
    )
