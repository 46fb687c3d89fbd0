"""What `indicateurs` reads, from the database, no name read: each journey's Synthese, rewritten from its records
as they are written (signals.py), and the sums of the syntheses a pilot's filter selects."""

import dataclasses
import datetime
import itertools
import statistics
from collections import defaultdict
from fractions import Fraction

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from sas.aiguillage.indicators import Part
from sas.droits import services as droits
from sas.droits.models import Estimation
from sas.jeunes.models import TrancheAge, age_on
from sas.organisations.models import Organisation
from sas.orientation.models import OrientationEvent
from sas.parcours.models import EventKind, ParcoursEvent, Signalement, SignalementSource
from sas.prescription.models import RencontreTripartite
from sas.suivi.models import NatureSortie, RecoursDroit, Suivi

from .indicateurs import (
    MOIS_SUIVI,
    PRESCRIPTEURS,
    SOURCES,
    Comptes,
    Dossier,
    Envoi,
    Evenement,
    Profil,
    synthese,
    tableau_de_bord,
)
from .models import Synthese

_SOURCE = {SignalementSource.PROCHE: "proche", SignalementSource.JEUNE: "jeune"}
# The events the dashboard reads of a journey.
EVENEMENTS_LUS = [EventKind.TRANSITION, EventKind.CONTACT, EventKind.MESSAGE]
_CHAMPS = [f.name for f in Synthese._meta.concrete_fields if not f.primary_key]
_BORNES = [(17, TrancheAge.T15_17), (21, TrancheAge.T18_21), (25, TrancheAge.T22_25), (29, TrancheAge.T26_29)]


@dataclasses.dataclass(frozen=True)
class Filtre:
    """What the pilot chose: territories (already those they may see), months, where the young person lives,
    where the signalement came from ("", "prescripteur", "proche", "jeune", "type:<kind>", "organisation:<id>")."""

    territoires: tuple
    debut: datetime.date  # first day of the first month
    fin: datetime.date  # first day of the last month
    departement: str = ""
    epci: str = ""
    source: str = ""

    def bornes(self):
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.debut, datetime.time(), tzinfo=tz)
        year, month = (self.fin.year + 1, 1) if self.fin.month == 12 else (self.fin.year, self.fin.month + 1)
        return start, datetime.datetime(year, month, 1, tzinfo=tz)


def tranche(jeune_tranche, naissance, at):
    """The age band said, or the one of the birth date on the day of the signalement."""
    if jeune_tranche or not naissance:
        return jeune_tranche or ""
    age = age_on(naissance, at.date())
    return next((band for limite, band in _BORNES if age <= limite), "")


class Centile(models.Aggregate):
    """The `fraction` percentile of a column, interpolated between its two nearest values: PostgreSQL's
    percentile_cont, on SQLite the function apps.py registers (statistics' "inclusive" method, the same)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)r) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = models.FloatField()

    def __init__(self, expression, fraction):
        super().__init__(expression, fraction=float(fraction))

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="%(function)s(%(expressions)s, %(fraction)r)")


class PercentileCont:
    """SQLite's percentile_cont(value, fraction) aggregate: NULLs left out, as PostgreSQL does."""

    def __init__(self):
        self.valeurs, self.fraction = [], None

    def step(self, valeur, fraction):
        self.fraction = fraction
        if valeur is not None:
            self.valeurs.append(valeur)

    def finalize(self):
        if len(self.valeurs) < 2:  # statistics.quantiles needs two values; one is its own percentile
            return self.valeurs[0] if self.valeurs else None
        rang = Fraction(self.fraction).limit_denominator(1000)
        return statistics.quantiles(self.valeurs, n=rang.denominator, method="inclusive")[rang.numerator - 1]


def enregistrer_centile(sender, connection, **kwargs):
    """connection_created receiver: percentile_cont on SQLite (the default database for development and tests)."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("percentile_cont", 2, PercentileCont)


def dossiers(parcours):
    """{parcours id: (Dossier, where it is counted: Synthese's territory, departement and epci)} of the journeys of
    the queryset `parcours`: three queries whatever their number."""
    premier = Signalement.objects.filter(parcours=OuterRef("pk")).order_by("created_at", "pk")
    rows = (
        parcours.annotate(
            source=Subquery(premier.values("source")[:1]),
            organisation_id=Subquery(premier.values("organisation_id")[:1]),
            organisation_kind=Subquery(premier.values("organisation__kind")[:1]),
            rencontre=Exists(RencontreTripartite.objects.filter(parcours=OuterRef("pk"), took_place=True)),
            sortie_nature=Subquery(
                Suivi.objects.filter(parcours=OuterRef("pk"))
                .exclude(sortie_nature="")
                .order_by("-debut", "-pk")
                .values("sortie_nature")[:1]
            ),
            # An anonymised young person keeps their département only, not their commune.
            departement=Coalesce("jeune__commune__departement_id", NullIf("jeune__departement", Value(""))),
        )
        .order_by("pk")
        .values_list(
            "pk",
            "created_at",
            "source",
            "organisation_id",
            "organisation_kind",
            "jeune__tranche_age",
            "jeune__date_naissance",
            "jeune__sexe",
            "jeune__qpv",
            "rencontre",
            "sortie_nature",
            "territory_id",
            "departement",
            "jeune__commune__epci_id",
        )
    )
    records = {}
    for pk, created, source, org, kind, band, naissance, sexe, qpv, rencontre, nature, *lieu in rows:
        source = _SOURCE.get(source, "prescripteur")
        territory, departement, epci = lieu
        records[pk] = (
            {
                "signale_le": created,
                "source": source,
                "organisation_id": org if source == "prescripteur" else None,
                "type_prescripteur": (kind or "") if source == "prescripteur" else "",
                "tranche_age": tranche(band, naissance, timezone.localtime(created)),
                "sexe": sexe,
                "qpv": qpv,
                "rencontre": rencontre,
                "sortie_nature": nature or "",
            },
            {"territory_id": territory, "departement": departement or "", "epci": epci or ""},
        )
    selection = parcours.values("pk")
    events = defaultdict(list)
    for pid, kind, de, vers, at in (
        ParcoursEvent.objects.filter(parcours__in=selection, kind__in=EVENEMENTS_LUS)
        .order_by("parcours_id", "occurred_at", "pk")
        .values_list("parcours_id", "kind", "from_status", "to_status", "occurred_at")
    ):
        events[pid].append(Evenement(kind, de, vers, at))
    probables = _droits_probables(selection)
    return {
        pk: (Dossier(evenements=tuple(events[pk]), droits_probables=probables.get(pk), **record), lieu)
        for pk, (record, lieu) in records.items()
    }


def enregistrer(lus):
    """Write the syntheses of `lus` ({parcours id: (Dossier, lieu)}, as dossiers() reads them), replacing those
    already written."""
    Synthese.objects.bulk_create(
        [Synthese(parcours_id=pk, **lieu, **synthese(dossier)) for pk, (dossier, lieu) in lus.items()],
        update_conflicts=True,
        unique_fields=["parcours"],
        update_fields=_CHAMPS,
    )


def rafraichir(parcours):
    """Rewrite the syntheses of the journeys of the queryset `parcours` from their records."""
    enregistrer(dossiers(parcours))


def a_reecrire(parcours):
    """(missing, stale): {parcours id: (Dossier, lieu)} of the journeys of the queryset `parcours` that have no
    synthesis, and of those whose synthesis is no longer what their records give (a writer that bypassed the
    signals)."""
    lus = dossiers(parcours)
    ecrites = {s.parcours_id: s for s in Synthese.objects.filter(parcours__in=parcours.values("pk"))}
    manquantes, perimees = {}, {}
    for pk, (dossier, lieu) in lus.items():
        ecrite = ecrites.get(pk)
        if ecrite is None:
            manquantes[pk] = (dossier, lieu)
        elif _valeurs(ecrite) != _valeurs(Synthese(parcours_id=pk, **lieu, **synthese(dossier))):
            perimees[pk] = (dossier, lieu)
    return manquantes, perimees


def _valeurs(ligne):
    return [getattr(ligne, f.attname) for f in Synthese._meta.concrete_fields]


def syntheses(filtre):
    """The syntheses of the journeys `filtre` selects: every writer writes its journeys' syntheses (signals.py)."""
    start, end = filtre.bornes()
    choisies = Synthese.objects.filter(territory__in=filtre.territoires, signale_le__gte=start, signale_le__lt=end)
    if filtre.departement:
        choisies = choisies.filter(departement=filtre.departement)
    if filtre.epci:
        choisies = choisies.filter(epci=filtre.epci)
    if filtre.source:
        choisies = choisies.filter(_source(filtre.source))
    return choisies


def comptes(choisies, now):
    """Comptes of the syntheses `choisies` on the day `now`: five queries whatever their number."""
    # Grouped by the columns and a plain boolean, PostgreSQL foresees a few hundred groups and hashes them, where
    # grouping by the stage's CASE made it foresee thousands and sort every row; the stage is read here.
    six_mois = models.ExpressionWrapper(Q(accompagne_6=True, suivi_6_le__lte=now), output_field=models.BooleanField())
    profils = defaultdict(int)
    lignes = choisies.annotate(six_mois=six_mois).values_list(*Profil._fields[:-1], "etape", "six_mois")
    for *cles, etape, a_six_mois, n in lignes.annotate(n=Count("pk")).order_by():
        profils[Profil(*cles, 5 if etape == 4 and a_six_mois else etape)] += n
    par_mois = {(m, s): n for m, s, n in choisies.values_list("mois", "source").annotate(n=Count("pk")).order_by()}
    parts = _parts(now)
    natures = [*NatureSortie.values, ""]
    sommes = choisies.aggregate(
        **{f"{nom}_mesures": Count("pk", filter=mesures) for nom, (mesures, _a) in parts.items()},
        **{f"{nom}_atteints": Count("pk", filter=mesures & atteints) for nom, (mesures, atteints) in parts.items()},
        **{f"sortie_{n}": Count("pk", filter=Q(sortie_positive=True, sortie_nature=n)) for n in natures},
        droits_estimes=Count("pk", filter=Q(droits_estimes=True)),
        droit_probable=Count("pk", filter=Q(droit_probable=True)),
    )
    # Apart, and the distinct count as a grouping: a distinct count or a percentile in an aggregate keeps PostgreSQL
    # from sharing it between workers.
    prescriptrices = choisies.filter(source="prescripteur", organisation_id__isnull=False).values("organisation_id")
    delais = choisies.filter(delai_contact__isnull=False).aggregate(
        n=Count("pk"), median=Centile("delai_contact", 0.5), p90=Centile("delai_contact", 0.9)
    )
    return Comptes(
        profils=dict(profils),
        mois=par_mois,
        parts={nom: Part(sommes[f"{nom}_atteints"], sommes[f"{nom}_mesures"]) for nom in parts},
        sorties={n: sommes[f"sortie_{n}"] for n in natures},
        droits_estimes=sommes["droits_estimes"],
        droit_probable=sommes["droit_probable"],
        delais=(delais["n"], delais["median"], delais["p90"]),
        organisations_actives=prescriptrices.distinct().count(),
    )


def figures(filtre, *, now, organisations_prescriptrices):
    """indicateurs.tableau_de_bord() of the journeys `filtre` selects."""
    choisies = syntheses(filtre)
    return tableau_de_bord(
        comptes(choisies, now),
        envois=envois(choisies),
        recours=recours(choisies),
        debut=filtre.debut,
        fin=filtre.fin,
        now=now,
        organisations_prescriptrices=organisations_prescriptrices,
    )


def _parts(now):
    """{name of a share of Comptes.parts: (the journeys it measures, those of them it counts)}: a delay target
    measures the journeys whose deadline passed."""
    contact = Q(limite_contact__lte=now)
    rencontre = contact & Q(sortie_a_venir=True)
    return {
        "premier_essai_72h": (Q(limite_premier_essai__lte=now), Q(premier_essai_a_temps=True)),
        "contact_15j": (contact, Q(contact_a_temps=True)),
        "diagnostic_1_mois": (Q(limite_diagnostic__lte=now), Q(diagnostic_a_temps=True)),
        "injoignables": (contact, Q(injoignable=True)),
        "rencontre_avec": (rencontre & Q(rencontre=True), Q(contact_a_temps=True)),
        "rencontre_sans": (rencontre & Q(rencontre=False), Q(contact_a_temps=True)),
        **{f"suivi_{n}": (Q(**{f"suivi_{n}_le__lte": now}), Q(**{f"accompagne_{n}": True})) for n in MOIS_SUIVI},
        "avant_la_sortie": (Q(pk__isnull=False), Q(sortie_a_venir=True)),
        "proches_et_jeunes": (Q(pk__isnull=False), Q(source__in=["proche", "jeune"])),
    }


def envois(choisies):
    """[Envoi] of the journeys of the syntheses `choisies`: their referrals."""
    rows = (
        OrientationEvent.objects.filter(orientation__parcours__in=choisies.values("parcours_id"), kind="transition")
        .order_by("orientation__parcours_id", "orientation_id", "occurred_at", "pk")
        .values_list(
            "orientation__parcours_id",
            "orientation_id",
            "orientation__structure__nom",
            "to_status",
            "occurred_at",
            "reason",
        )
    )
    return [
        Envoi(nom, tuple((status, at, motif) for *_k, status, at, motif in group))
        for (_pid, _oid, nom), group in itertools.groupby(rows, key=lambda r: r[:3])
    ]


def recours(choisies):
    """The young people's answers on their rights at check-ins: [(parcours id, droit, reponse, declared at)]."""
    return list(
        RecoursDroit.objects.filter(parcours__in=choisies.values("parcours_id"))
        .order_by("parcours_id", "declare_le", "pk")
        .values_list("parcours_id", "droit", "reponse", "declare_le")
    )


def _droits_probables(selection):
    """{parcours id: codes of the rights its latest screening that succeeded found probably open, not yet received}:
    what the young person's page shows them as probable."""
    out = {}
    estimations = (
        Estimation.objects.filter(diagnostic__parcours__in=selection, reponse__isnull=False)
        .select_related("diagnostic")
        .order_by("diagnostic__parcours_id", "-calculee_le", "-pk")
    )
    for estimation in estimations:
        pid = estimation.diagnostic.parcours_id
        lu = None if pid in out else droits.pour_le_jeune(estimation)
        if lu is not None:
            out[pid] = tuple(r.droit.code for r in lu[0])
    return out


def _source(choix):
    """The syntheses of the source a pilot chose (Filtre.source)."""
    if choix in SOURCES:
        return Q(source=choix)
    nature, _, valeur = choix.partition(":")
    if nature == "type":
        return Q(source="prescripteur", type_prescripteur=valeur)
    if nature == "organisation" and valeur.isdigit():
        return Q(source="prescripteur", organisation_id=int(valeur))
    return Q(pk__in=[])


def organisations_prescriptrices(territoires):
    return Organisation.objects.filter(territory__in=territoires, kind__in=PRESCRIPTEURS)
