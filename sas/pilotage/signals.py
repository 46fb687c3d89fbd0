"""Each journey's Synthese is rewritten in the same transaction as any record it is made of, so that a new event
changes the dashboard at once (receivers connected in apps.py). A record changed by a queryset update() has its
journey's event written after it (a meeting's outcome, an exit's kind), which rewrites the synthesis then; a file
import, written in bulk, says which journeys it wrote once it is committed."""

from django.db.models.signals import post_save

from sas.droits.models import Estimation
from sas.jeunes.models import Jeune
from sas.parcours.models import Parcours, ParcoursEvent, Signalement
from sas.prescription.models import RencontreTripartite
from sas.prescription.signals import signalements_enregistres
from sas.suivi.models import Suivi

from . import donnees


def _parcours(instance):
    """The journeys `instance` is a record of."""
    if isinstance(instance, Jeune):
        return Parcours.objects.filter(jeune=instance)
    if isinstance(instance, Estimation):
        return Parcours.objects.filter(diagnostics__estimations=instance)
    return Parcours.objects.filter(pk=instance.parcours_id)


def _rafraichir(sender, instance, raw=False, **kwargs):
    if not raw:
        donnees.rafraichir(_parcours(instance))


def _importes(sender, parcours, **kwargs):
    donnees.rafraichir(Parcours.objects.filter(pk__in=[p.pk for p in parcours]))


def connecter():
    signalements_enregistres.connect(_importes, dispatch_uid="pilotage-synthese-import")
    for model in (ParcoursEvent, Signalement, RencontreTripartite, Suivi, Estimation, Jeune):
        post_save.connect(_rafraichir, sender=model, dispatch_uid=f"pilotage-synthese-{model.__name__}")
