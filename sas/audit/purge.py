"""The retention purge of the audit log: the one writer allowed to delete from an append-only table."""

import datetime

from django.conf import settings
from django.utils import timezone

from .ajout_seul import autoriser_purge
from .models import AuditEntry


def purger_journal(*, wet_run, at=None):
    """Delete the audit entries older than SAS_AUDIT_RETENTION_DAYS; returns how many (would) go."""
    limite = (at or timezone.now()) - datetime.timedelta(days=settings.SAS_AUDIT_RETENTION_DAYS)
    anciennes = AuditEntry.objects.filter(at__lt=limite)
    if not wet_run:
        return anciennes.count()
    with autoriser_purge():
        supprimees, _ = anciennes.delete()
    return supprimees
