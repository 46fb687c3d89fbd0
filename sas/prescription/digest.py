"""The weekly e-mail that tells an opted-in prescriber what became of the people their organisation signalled."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone

from sas.messagerie import envoi as messagerie
from sas.messagerie.models import Destinataire
from sas.parcours.models import EventKind, ParcoursEvent
from sas.permissions import parcours_followed_by
from sas.permissions.suivi import vue_prescripteur

from .models import PrescripteurPreferences

PERIOD = datetime.timedelta(days=7)


def changes_for(user, since):
    """[(journey, stage)] reached since `since` on the journeys the user's organisations signalled, as
    vue_prescripteur() tells them, oldest first."""
    recent = ParcoursEvent.objects.filter(kind=EventKind.TRANSITION, occurred_at__gt=since)
    journeys = parcours_followed_by(user).filter(Exists(recent.filter(parcours=OuterRef("pk")))).select_related("jeune")
    changes = [
        (parcours, etape)
        for parcours in journeys
        for etape in vue_prescripteur(parcours).changements
        if etape.at > since
    ]
    return sorted(changes, key=lambda change: change[1].at)


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
            contexte = {
                "nombre": len(changes),
                "pluriel": "s" if len(changes) > 1 else "",
                "contenu": render_to_string(
                    "prescription/digest.txt", {"user": user, "changes": changes, "site_url": settings.SAS_SITE_URL}
                ),
            }
            with transaction.atomic():
                PrescripteurPreferences.objects.filter(pk=preferences.pk).update(last_digest_at=now)
                # Through messagerie: kept, sent once (its key), retried by the worker if the server is down.
                messagerie.envoyer_courriel_pro(
                    user.email,
                    "digest_prescripteur",
                    contexte,
                    nature=Destinataire.PRESCRIPTEUR,
                    cle=f"digest-{preferences.pk}-{now:%Y%m%dT%H%M%S}",
                    at=now,
                )
    return sent, quiet
