"""Anonymising a young person: what the retention command does 2 years after the last contact, and what an erasure
request does at once. One function for both, so that an erased person is exactly what an expired one becomes.

Gone: identity, contacts, every free text (the signalement's, the counsellors' notes and reasons, the young person's
messages and complaints, message bodies and letters, the diagnostic's answers and plan, the rights screenings).
Kept, for what pilots count: the journey's statuses and their dates, the referrals' statuses, their dates and their
reasons from the fixed list, the consents (who could receive what, and when), the département and the age band at
the first signalement. The indicators read nothing else, so they give the same figures before and after.

The event tables are append-only in the database: an event carrying free text is rewritten by deleting it and
inserting the same row (same id and dates) without its text, inside `autoriser_purge()`, the one exception the
triggers allow. The audit log keeps its entries: they name the person by an id that leads to nobody any more."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from sas.aiguillage.models import MessageJeune, TacheContact
from sas.audit.ajout_seul import autoriser_purge
from sas.diagnostic.models import Diagnostic
from sas.droits.models import Estimation
from sas.espace_jeune.models import LienJeune
from sas.jeunes.models import Jeune, TrancheAge, age_on
from sas.messagerie.models import CanalInvalide, Message, MessageEvent, Notification, RecuDemo
from sas.orientation.models import LienStructure, Orientation, OrientationEvent, Proposition
from sas.parcours.models import ParcoursEvent, Signalement
from sas.prescription.models import DoublonPossible

from .models import ChangementCoordonnee, Reclamation

# Facts in an event's detail written by a person (a counsellor's note on a call): everything else there is ids,
# channels and outcomes from fixed lists, which the indicators read.
TEXTES_DU_DETAIL = frozenset({"note"})

_TRANCHES = [(17, TrancheAge.T15_17), (21, TrancheAge.T18_21), (25, TrancheAge.T22_25), (29, TrancheAge.T26_29)]


def tranche(age):
    for limite, valeur in _TRANCHES:
        if age is not None and age <= limite:
            return valeur
    return ""


def a_anonymiser(*, at=None):
    """The young people not anonymised yet whose last activity (an event or a signalement of their journeys, a
    message sent to them or received from them) is older than SAS_RETENTION_DAYS. Each source is asked once for who
    was active since (not once per person): the daily run stays a few queries whatever the number of people."""
    limite = (at or timezone.now()) - datetime.timedelta(days=settings.SAS_RETENTION_DAYS)
    actifs = [
        ParcoursEvent.objects.filter(occurred_at__gte=limite).values("parcours__jeune"),
        Signalement.objects.filter(created_at__gte=limite).values("parcours__jeune"),
        MessageJeune.objects.filter(recu_le__gte=limite).values("parcours__jeune"),
        Message.objects.filter(cree_le__gte=limite, jeune__isnull=False).values("jeune"),
    ]
    # Every journey starts with an event: a person without one has nothing to date their silence from.
    jeunes = Jeune.objects.filter(
        Exists(ParcoursEvent.objects.filter(parcours__jeune=OuterRef("pk"))), anonymised_at__isnull=True
    )
    for queryset in actifs:
        jeunes = jeunes.exclude(pk__in=queryset)
    return list(jeunes.order_by("pk"))


def _reecrire(model, rows, **vide):
    """Rewrite append-only rows without their texts: the same ids and dates, deleted and inserted again."""
    rows = list(rows)
    if not rows:
        return 0
    for row in rows:
        for champ, valeur in vide.items():
            setattr(row, champ, valeur)
        if hasattr(row, "detail"):
            row.detail = {k: v for k, v in (row.detail or {}).items() if k not in TEXTES_DU_DETAIL}
    model.objects.filter(pk__in=[row.pk for row in rows]).delete()
    model.objects.bulk_create(rows)
    return len(rows)


def anonymiser(jeune, *, at=None):
    """Anonymise `jeune` and everything about them (see the module's docstring); nothing happens twice."""
    at = at or timezone.now()
    with transaction.atomic():
        jeune = Jeune.objects.select_for_update().get(pk=jeune.pk)
        if jeune.anonymised_at:
            return False
        parcours = list(jeune.parcours.all())
        premier = min((p.created_at for p in parcours), default=jeune.created_at)
        if jeune.date_naissance:
            jeune.tranche_age = tranche(age_on(jeune.date_naissance, timezone.localdate(premier)))
        if jeune.commune_id:
            jeune.departement = jeune.commune.departement_id or ""
        for champ in ("prenom", "nom", "telephone", "email", "adresse", "canal_prefere", "moments_preferes"):
            setattr(jeune, champ, "")
        jeune.date_naissance, jeune.commune, jeune.anonymised_at = None, None, at
        jeune.save()

        ids = [p.pk for p in parcours]
        Signalement.objects.filter(parcours__in=ids).update(
            prenom="",
            nom="",
            motif="",
            deja_essaye="",
            freins_connus="",
            canal_prefere="",
            moment_prefere="",
            langues="",
            declarant_nom="",
            declarant_contact="",
            declarant_lien="",
            telephone_propose="",
            email_propose="",
            cle_import="",
        )
        MessageJeune.objects.filter(parcours__in=ids).update(texte="")
        TacheContact.objects.filter(parcours__in=ids).update(note="")
        messages = Message.objects.filter(Q(jeune=jeune) | Q(parcours__in=ids))
        Notification.objects.filter(message__in=messages).update(contenu={})
        RecuDemo.objects.filter(message__in=messages).delete()
        messages.update(destinataire="", sujet="", corps="", erreur="")
        CanalInvalide.objects.filter(jeune=jeune).delete()
        diagnostics = Diagnostic.objects.filter(parcours__in=ids)
        Estimation.objects.filter(diagnostic__in=diagnostics).delete()
        diagnostics.update(
            reponses={},
            reponses_jeune={},
            prerempli={},
            besoins_retenus=None,
            synthese="",
            objectifs="",
            actions="",
            contact_conseiller="",
            observation_jeune="",
        )
        Proposition.objects.filter(parcours__in=ids).update(explication="")
        # What each structure received: which categories stays, their content goes.
        for orientation in Orientation.objects.filter(parcours__in=ids).exclude(partage={}):
            orientation.partage = {categorie: {} for categorie in orientation.partage}
            orientation.save(update_fields=["partage"])
        DoublonPossible.objects.filter(Q(nouveau__in=ids) | Q(existant__in=ids)).update(identifiants=[])
        Reclamation.objects.filter(parcours__in=ids).update(texte="", reponse="")
        ChangementCoordonnee.objects.filter(parcours__in=ids).delete()
        LienJeune.objects.filter(parcours__in=ids, revoked_at__isnull=True).update(revoked_at=at)
        LienStructure.objects.filter(orientation__parcours__in=ids, revoked_at__isnull=True).update(revoked_at=at)

        with autoriser_purge():
            _reecrire(
                ParcoursEvent,
                ParcoursEvent.objects.filter(parcours__in=ids).filter(~Q(reason="") | Q(detail__has_key="note")),
                reason="",
            )
            _reecrire(
                OrientationEvent,
                OrientationEvent.objects.filter(orientation__parcours__in=ids).exclude(precision=""),
                precision="",
            )
            _reecrire(
                MessageEvent, MessageEvent.objects.filter(message__in=messages).exclude(precision=""), precision=""
            )
    return True
