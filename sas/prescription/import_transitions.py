"""The single entry point for every status change of a batch file: previewed, then importing, then done or failed
(a failed import resumes where it stopped)."""

from django.db import transaction
from django.utils import timezone

from sas.audit.transitions import TransitionError, apply_transition

from .models import ImportBatch, ImportBatchEvent, ImportStatus

S = ImportStatus
TRANSITIONS = {
    S.APERCU: {S.EN_COURS},
    S.EN_COURS: {S.TERMINE, S.ECHEC},
    S.ECHEC: {S.EN_COURS},
    S.TERMINE: set(),
}


def start(*, actor=None, at=None, **fields):
    """Write a new batch, previewed, with its first event."""
    at = at or timezone.now()
    with transaction.atomic():
        batch = ImportBatch.objects.create(status=ImportStatus.APERCU, **fields)
        ImportBatchEvent.objects.create(batch=batch, to_status=ImportStatus.APERCU, actor=actor, occurred_at=at)
    return batch


def transition(batch, to_status, *, actor=None, at=None, **values):
    """Move `batch` to `to_status` if allowed, with the other fields given, and write exactly one event. The row is
    locked and re-read: a second click on "import" is refused."""
    to_status = ImportStatus(to_status)
    at = at or timezone.now()
    return apply_transition(
        batch,
        to_status,
        field="status",
        table=TRANSITIONS,
        refused=_refused,
        event=lambda current: ImportBatchEvent(
            batch=current, from_status=current.status, to_status=to_status, actor=actor, occurred_at=at
        ),
        values=values,
    )


def _refused(current, to_status):
    return TransitionError(
        f"Cet import est « {current.get_status_display().lower()} » : impossible de le passer à "
        f"« {to_status.label.lower()} ».",
        code="forbidden",
    )
