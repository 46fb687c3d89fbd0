"""The weekly e-mail that tells an opted-in prescriber what became of the people their organisation signalled."""

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from sas.organisations.models import Role
from sas.parcours.models import EventKind, Parcours, ParcoursEvent

from .models import PrescripteurPreferences

PERIOD = datetime.timedelta(days=7)


def changes_for(user, since):
    """Status changes since `since` on the journeys the user's organisations signalled, oldest first."""
    return list(
        ParcoursEvent.objects.filter(
            parcours__in=Parcours.objects.for_role(user, Role.PRESCRIPTEUR),
            kind=EventKind.TRANSITION,
            occurred_at__gt=since,
        )
        .exclude(from_status="")
        .select_related("parcours__jeune")
        .order_by("occurred_at")
    )


def due_preferences(now):
    return PrescripteurPreferences.objects.filter(digest_hebdo=True, user__is_active=True).exclude(
        last_digest_at__gt=now - PERIOD + datetime.timedelta(hours=12)
    )


def send_digests(*, wet_run, now=None):
    """Send each due digest once a week; returns (sent, without news). Idempotent within the week."""
    now = now or timezone.now()
    sent = quiet = 0
    for preferences in due_preferences(now).select_related("user"):
        user = preferences.user
        changes = changes_for(user, preferences.last_digest_at or now - PERIOD)
        if not changes:
            quiet += 1
            continue
        sent += 1
        if wet_run:
            plural = "s" if len(changes) > 1 else ""
            with transaction.atomic():
                PrescripteurPreferences.objects.filter(pk=preferences.pk).update(last_digest_at=now)
                send_mail(
                    subject=f"SAS : {len(changes)} nouvelle{plural} étape{plural} pour vos signalements",
                    message=render_to_string(
                        "prescription/digest.txt", {"user": user, "changes": changes, "site_url": settings.SAS_SITE_URL}
                    ),
                    from_email=None,
                    recipient_list=[user.email],
                )
    return sent, quiet
