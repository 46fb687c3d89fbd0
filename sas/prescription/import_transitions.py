"""The single entry point for every status change of a batch file: read by the task worker if it is large (then
previewed or refused), previewed, then importing, then done or failed (a failed import resumes where it stopped)."""

from sas.audit.transitions import StateMachine, TransitionError

from .models import ImportBatch, ImportBatchEvent, ImportStatus

S = ImportStatus
TRANSITIONS = {
    S.LECTURE: {S.APERCU, S.REFUSE},
    S.REFUSE: set(),
    S.APERCU: {S.EN_COURS},
    S.EN_COURS: {S.TERMINE, S.ECHEC},
    S.ECHEC: {S.EN_COURS},
    S.TERMINE: set(),
}
MACHINE = StateMachine(
    ImportBatch,
    ImportBatchEvent,
    subject="batch",
    table=TRANSITIONS,
    noun="Cet import",
    pronoun="le",
)


def start(*, actor=None, at=None, status=ImportStatus.APERCU, **fields):
    """Write a new batch, previewed (or waiting to be read), with its first event."""
    if status not in (ImportStatus.APERCU, ImportStatus.LECTURE):
        raise TransitionError("Un import commence par sa lecture ou son aperçu.", code="forbidden")
    return MACHINE.start(ImportBatch(status=status, **fields), actor=actor, at=at)


def transition(batch, to_status, *, actor=None, at=None, **values):
    """Move `batch` to `to_status` if allowed, with the other fields given, and write exactly one event. The row is
    locked and re-read: a second click on "import" is refused."""
    return MACHINE.transition(batch, to_status, at=at, values=values, actor=actor)
