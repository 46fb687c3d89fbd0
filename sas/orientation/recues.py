"""'Orientations reçues': the referrals addressed to a receiving structure's organisations, searched by the young
person's name, filtered by status, a page at a time, and the same list as a CSV file.

The structure reads the young person's full name only while a consent names it and covers their identity (as
partage_visible() does for one referral); otherwise their initials, from what was sent. A search never finds a
referral by a name the structure may not read."""

import dataclasses

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone

from sas.jeunes.models import Consent, DataCategory
from sas.permissions import orientations_for_structure

from .models import FINALS, Orientation, OrientationStatus

PAR_PAGE = 50


@dataclasses.dataclass
class Ligne:
    orientation: Orientation
    nom: str  # full name under the young person's consent, else initials


@dataclasses.dataclass
class Liste:
    page: Page
    lignes: list[Ligne]  # the page's rows
    statuts: list[tuple[str, str, int]]  # (code, label, count) of the statuses of the searched referrals
    total: int  # the searched referrals, whatever their status
    libelle: str  # the label of the status filtered on, "" for all


def identite_lisible(pairs, *, at=None):
    """The (young person id, structure id) of `pairs` for which a consent active at `at` names the structure and
    covers the young person's identity, in one query."""
    pairs = set(pairs)
    if not pairs:
        return set()
    rows = (
        Consent.objects.active(at)
        .filter(jeune_id__in={j for j, _ in pairs}, structures__in={s for _, s in pairs})
        .values_list("jeune_id", "structures", "categories")
    )
    return {(j, s) for j, s, categories in rows if DataCategory.IDENTITE in categories} & pairs


def nom_affiche(orientation, lisible):
    """The young person's full name as sent when `lisible`, else their initials ("Jeune" if nothing was sent)."""
    identite = orientation.partage.get("identite", {})
    parts = [part for part in (identite.get("prenom", ""), identite.get("nom", "")) if part]
    if lisible:
        return " ".join(parts) or "Jeune"
    return " ".join(f"{part[0].upper()}." for part in parts) or "Jeune"


def _lignes(orientations, at):
    lisibles = identite_lisible({(o.parcours.jeune_id, o.structure_id) for o in orientations}, at=at)
    return [Ligne(o, nom_affiche(o, (o.parcours.jeune_id, o.structure_id) in lisibles)) for o in orientations]


def _nommees(scope, recherche, at):
    """The ids of the referrals of `scope` whose young person the structure may read by a name matching every
    word of `recherche` (first name or name as sent, any case)."""
    condition = Q()
    for mot in recherche.split():
        condition &= Q(partage__identite__prenom__icontains=mot) | Q(partage__identite__nom__icontains=mot)
    candidates = list(scope.filter(condition).values_list("pk", "parcours__jeune_id", "structure_id"))
    lisibles = identite_lisible({(j, s) for _, j, s in candidates}, at=at)
    return [pk for pk, j, s in candidates if (j, s) in lisibles]


def _visibles(user, recherche, at):
    scope = orientations_for_structure(user)
    if recherche:
        scope = scope.filter(pk__in=_nommees(scope, recherche, at))
    return scope


def _ordonnees(queryset):
    # Those waiting for an answer first, then the newest.
    finale = Case(When(status__in=FINALS, then=Value(1)), default=Value(0), output_field=IntegerField())
    return (
        queryset.select_related("structure", "service", "parcours")
        .annotate(finale_d_abord=finale)
        .order_by("finale_d_abord", "-envoyee_le", "-pk")
    )


def liste(user, *, recherche="", status="", page=None, at=None):
    """The `page` of the referrals addressed to the user's organisations, named as `recherche` and at `status`
    (any if empty), with the count of each status among those named. A fixed number of queries, whatever their
    number."""
    scope = _visibles(user, recherche, at)
    counts = dict(scope.order_by().values_list("status").annotate(n=Count("pk")))
    statuts = [
        (code, label, counts.get(code, 0))
        for code, label in OrientationStatus.choices
        if counts.get(code) or code == status
    ]
    shown = scope.filter(status=status) if status else scope
    result = Paginator(_ordonnees(shown), PAR_PAGE).get_page(page)
    libelle = OrientationStatus(status).label if status else ""
    return Liste(result, _lignes(list(result.object_list), at), statuts, sum(counts.values()), libelle)


def _date(moment):
    return timezone.localtime(moment).strftime("%d/%m/%Y") if moment else ""


ENTETE = ["Jeune", "Structure", "Service", "Envoyée le", "Statut", "Statut depuis le", "Premier rendez-vous le"]


def export(user, *, recherche="", status="", at=None):
    """(rows of the CSV file, ids of the young people in it): every referral the page shows for these filters, on
    every page."""
    scope = _visibles(user, recherche, at)
    lignes = _lignes(list(_ordonnees(scope.filter(status=status) if status else scope)), at)
    rows = [
        [
            ligne.nom,
            ligne.orientation.structure.nom,
            ligne.orientation.service.nom,
            _date(ligne.orientation.envoyee_le),
            ligne.orientation.get_status_display(),
            _date(ligne.orientation.status_changed_at),
            _date(ligne.orientation.premier_rdv_le),
        ]
        for ligne in lignes
    ]
    return rows, sorted({ligne.orientation.parcours.jeune_id for ligne in lignes})
