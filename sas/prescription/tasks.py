from django_tasks import task

from . import import_transitions
from .imports import run_import
from .models import ImportBatch, ImportStatus

# Small files are imported during the request: the prescriber sees the report at once.
INLINE_MAX_ROWS = 200


@task()
def import_batch(batch_id):
    run_import(ImportBatch.objects.get(pk=batch_id))


def start_import(batch):
    """Start importing a previewed batch (or resume a failed one), once: a second click or a second tab does
    nothing. Returns False if the import was already running or done."""
    try:
        # The sheets not chosen are not kept once the import starts.
        import_transitions.transition(batch, ImportStatus.EN_COURS, other_sheets={})
    except import_transitions.TransitionError:
        return False
    if batch.total_rows <= INLINE_MAX_ROWS:
        run_import(batch)
    else:
        import_batch.enqueue(batch.pk)
    return True
