"""'Mes signalements': the journeys a prescriber's organisations signalled, searched by the name they typed, filtered
by the stage they may see (sas.permissions.suivi), a page at a time, and the same list as a CSV file."""

import dataclasses

from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.utils import timezone

from sas.organisations.models import Role
from sas.parcours.status import PRESCRIBER_MILESTONES
from sas.permissions import organisations_for_role, parcours_for_role
from sas.permissions.suivi import LIBELLES, VuePrescripteur, avec_etape, avec_suivi, nommes, vue_prescripteur

PAR_PAGE = 50


@dataclasses.dataclass
class Ligne:
    parcours: object  # sas.parcours.models.Parcours
    vue: VuePrescripteur
    reached: dict  # {stage code: first date reached}, from the moment they follow the journey


@dataclasses.dataclass
class Liste:
    page: Page
    lignes: list[Ligne]  # the page's rows
    etapes: list[tuple[str, str, int]]  # (code, label, count) of the stages reached by the searched journeys
    total: int  # the searched journeys, whatever their stage
    libelle: str  # the label of the stage filtered on, "" for all


def _visibles(user, recherche):
    organisation_ids = [o.pk for o in organisations_for_role(user, Role.PRESCRIPTEUR)]
    scope = avec_etape(parcours_for_role(user, Role.PRESCRIPTEUR), organisation_ids)
    if recherche:
        scope = nommes(scope, organisation_ids, recherche)
    return scope, organisation_ids


def _lignes(queryset, organisation_ids):
    # Newest of their own signalements first: the journey's own start is not theirs to know.
    return avec_suivi(queryset.select_related("jeune__commune"), organisation_ids).order_by("-suivi_depuis", "-pk")


def _ligne(parcours):
    vue = vue_prescripteur(parcours)
    return Ligne(parcours, vue, vue.atteinte_le())


def liste(user, *, recherche="", etape="", page=None):
    """The `page` of the user's journeys named as `recherche` and at `etape` (any if empty), with the count of each
    stage among those named. A fixed number of queries, whatever the number of journeys."""
    scope, organisation_ids = _visibles(user, recherche)
    counts = dict(scope.order_by().values_list("suivi_etape").annotate(n=Count("pk")))
    etapes = [
        (code, libelle, counts.get(code, 0)) for code, libelle in LIBELLES.items() if counts.get(code) or code == etape
    ]
    shown = scope.filter(suivi_etape=etape) if etape else scope
    result = Paginator(_lignes(shown, organisation_ids), PAR_PAGE).get_page(page)
    lignes = [_ligne(p) for p in result.object_list]
    return Liste(result, lignes, etapes, sum(counts.values()), LIBELLES.get(etape, ""))


def _date(moment):
    return timezone.localtime(moment).strftime("%d/%m/%Y") if moment else ""


ENTETE = [
    "Jeune",
    "Commune",
    "Signalé le",
    "Étape actuelle",
    "Depuis le",
    *(f"{status.label} le" for status in PRESCRIBER_MILESTONES),
]


def export(user, *, recherche="", etape=""):
    """(rows of the CSV file, ids of the young people in it): every journey the page shows for these filters, on
    every page, with the page's columns."""
    scope, organisation_ids = _visibles(user, recherche)
    shown = scope.filter(suivi_etape=etape) if etape else scope
    lignes = [_ligne(p) for p in _lignes(shown, organisation_ids)]
    rows = [
        [
            ligne.vue.nom,
            ligne.parcours.jeune.commune.nom,
            _date(ligne.vue.depuis),
            ligne.vue.etape.libelle,
            _date(ligne.vue.etape.at),
            *(_date(ligne.reached.get(status)) for status in PRESCRIBER_MILESTONES),
        ]
        for ligne in lignes
    ]
    return rows, [ligne.parcours.jeune_id for ligne in lignes]
