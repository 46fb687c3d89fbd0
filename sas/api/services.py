"""What the API does, as plain functions: token check, scoping by organisation, idempotent replay."""

import datetime
import hashlib

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from sas.parcours.models import Signalement
from sas.permissions import parcours_for_organisation

from .models import ApiToken, IdempotencyKey, hash_token

# Writing last_used_at on every call would turn each read into a write; a minute is precise enough.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def authenticate(raw):
    """The active token whose clear value is `raw` (its last use recorded), or None."""
    token = ApiToken.objects.active().select_related("organisation").filter(hashed=hash_token(raw)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def parcours_of(organisation):
    """The journeys `organisation` signalled, with the date of its first signalement of each: the API's
    counterpart of sas.permissions.parcours_for_role(user, Role.PRESCRIPTEUR)."""
    first = Signalement.objects.filter(parcours=OuterRef("pk"), organisation=organisation).order_by("created_at")
    return parcours_for_organisation(organisation).annotate(signale_le=Subquery(first.values("created_at")[:1]))


def request_hash(body):
    return hashlib.sha256(body).hexdigest()


class KeyReused(Exception):
    """The idempotency key was already used for another request body."""


def idempotent(organisation, key, body, process):
    """Run `process()` -> (status, json body) once per (organisation, key) and return its result; retries with
    the same body get the stored result. Only completed results are stored: if `process` raises, nothing is
    kept and the key may be used again."""
    digest = request_hash(body)
    stored = IdempotencyKey.objects.filter(organisation=organisation, key=key).first()
    if stored is None:
        try:
            with transaction.atomic():
                # Claiming the key first makes a concurrent request with the same key wait on the unique
                # constraint until this one commits, then fail and replay what this one stored.
                row = IdempotencyKey.objects.create(
                    organisation=organisation, key=key, request_hash=digest, response_status=0, response_body={}
                )
                row.response_status, row.response_body = process()
                row.save(update_fields=["response_status", "response_body"])
                return row.response_status, row.response_body, False
        except IntegrityError:
            stored = IdempotencyKey.objects.filter(organisation=organisation, key=key).first()
            if stored is None:
                raise
    if stored.request_hash != digest:
        raise KeyReused
    return stored.response_status, stored.response_body, True
