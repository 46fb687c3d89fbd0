"""The retention purge (CNIL référentiel of the social and medico-social sector, deliberation 2023-095: active data
two years after the last contact): young people anonymised after SAS_RETENTION_DAYS of silence, the audit log and
django-axes' login attempts deleted after SAS_AUDIT_RETENTION_DAYS, the API's idempotency keys (their stored response
names the young person) after SAS_IDEMPOTENCY_RETENTION_HOURS."""

import datetime
from dataclasses import dataclass

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.utils import timezone

from sas.api.models import IdempotencyKey
from sas.audit.purge import purger_journal
from sas.prescription.models import ImportBatch

from .anonymisation import a_anonymiser, anonymiser


def purger_connexions(*, wet_run, at=None):
    """Login attempts older than the audit retention: they name an address and an e-mail."""
    limite = (at or timezone.now()) - datetime.timedelta(days=settings.SAS_AUDIT_RETENTION_DAYS)
    anciennes = [
        AccessAttempt.objects.filter(attempt_time__lt=limite),
        AccessFailureLog.objects.filter(attempt_time__lt=limite),
        AccessLog.objects.filter(attempt_time__lt=limite),
    ]
    if not wet_run:
        return sum(queryset.count() for queryset in anciennes)
    return sum(queryset.delete()[0] for queryset in anciennes)


def purger_idempotence(*, wet_run, at=None):
    """Idempotency keys past the delay of a client's retries: a retry after it is a new request."""
    limite = (at or timezone.now()) - datetime.timedelta(hours=settings.SAS_IDEMPOTENCY_RETENTION_HOURS)
    anciennes = IdempotencyKey.objects.filter(created_at__lt=limite)
    if not wet_run:
        return anciennes.count()
    return anciennes.delete()[0]


def vider_fichiers(*, wet_run, at=None):
    """Imported files older than the retention: their rows (and the errors quoting cells) name many people at once,
    each of whom has their own record; the batch's counts stay."""
    limite = (at or timezone.now()) - datetime.timedelta(days=settings.SAS_RETENTION_DAYS)
    anciens = ImportBatch.objects.filter(created_at__lt=limite).exclude(rows=[], errors=[], warnings=[])
    if not wet_run:
        return anciens.count()
    return anciens.update(rows=[], errors=[], warnings=[])


@dataclass
class Conservation:
    jeunes: int
    fichiers: int
    audit: int
    connexions: int
    idempotence: int


def appliquer(*, wet_run, at=None):
    """What the retention removed (or, in a dry run, would remove)."""
    at = at or timezone.now()
    jeunes = a_anonymiser(at=at)
    if wet_run:
        jeunes = [jeune for jeune in jeunes if anonymiser(jeune, at=at)]
    return Conservation(
        jeunes=len(jeunes),
        fichiers=vider_fichiers(wet_run=wet_run, at=at),
        audit=purger_journal(wet_run=wet_run, at=at),
        connexions=purger_connexions(wet_run=wet_run, at=at),
        idempotence=purger_idempotence(wet_run=wet_run, at=at),
    )
