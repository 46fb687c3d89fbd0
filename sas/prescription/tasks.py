from django.db import transaction
from django_tasks import task

from . import import_transitions
from .imports import create_batch, queue_batch, read_batch, run_import
from .models import ImportBatch, ImportStatus

# Small files are read and imported during the request: the prescriber sees the preview and the report at once.
# A larger file is read by the task worker, so that no request spends seconds (and a worker's memory) parsing it.
INLINE_MAX_ROWS = 200
INLINE_MAX_BYTES = 128 * 1024


@task()
def read_file(batch_id):
    read_batch(ImportBatch.objects.get(pk=batch_id))


def receive_file(*, organisation, user, filename, content):
    """The batch of a file sent: previewed at once if the file is small (ImportFileError if it cannot be read), else
    waiting for the worker to read it."""
    if len(content) <= INLINE_MAX_BYTES:
        return create_batch(organisation=organisation, user=user, filename=filename, content=content)
    batch = queue_batch(organisation=organisation, user=user, filename=filename, content=content)
    transaction.on_commit(lambda: read_file.enqueue(batch.pk))
    return batch


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
