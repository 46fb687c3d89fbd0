"""Ranking for 1,000 random young people over a national catalogue of 150,000 services (see directory_import),
against a vectorised numpy scan applying the same rules and score to the same catalogue held in memory; then the
counsellor's proposals page end to end (ranking, explanations and HTML) for one young person of Paris 19e with an
urgent need, against the ranking alone for that person.

Targets: p95 ≤ 50 ms per ranking on PostgreSQL, and ≤ 2× the numpy floor; the page p95 ≤ 150 ms.
"""

import random
import statistics
import time

import numpy as np
from common import report, test_database
from directory_import import generate_catalogue

PEOPLE = 1_000
LIMIT = 20
PAGE_LOADS = 60
ABRI = "logement-hebergement--rechercher-une-solution-dhebergement-temporaire"
URGENCE = ("un endroit où dormir ce soir", (ABRI,))
NEEDS = [
    "mobilite",
    "logement-hebergement",
    "sante",
    "se-former",
    "trouver-un-emploi",
    "famille",
    "lecture-ecriture-calcul",
    "difficultes-financieres",
    "numerique",
    "remobilisation",
]


def profiles(seed=7):
    from sas.annuaire.matching import ProfilJeune
    from sas.communes.models import Commune

    rng = random.Random(seed)
    # Paris, Lyon and Marseille are drawn through their arrondissements, not twice.
    communes = list(Commune.objects.filter(latitude__isnull=False, commune__isnull=True).order_by("code_insee"))
    weights = [max(c.population, 50) for c in communes]
    people = []
    for commune in rng.choices(communes, weights=weights, k=PEOPLE):
        needs = tuple(rng.sample(NEEDS, rng.choice([1, 2, 2, 3])))
        # One in ten needs a bed tonight: that need is asked first and its services come first.
        urgent = rng.random() < 0.1
        people.append(
            ProfilJeune.pour_commune(
                commune,
                thematiques=(ABRI, *needs) if urgent else needs,
                urgences=(URGENCE,) if urgent else (),
                age=rng.randint(16, 29),
                rayon_km=rng.choice([10, 20, 30]),
                a_distance_uniquement=rng.random() < 0.1,
            )
        )
    return people


class Floor:
    """The catalogue as numpy arrays, ranked with the matching's rules in a few vectorised passes."""

    def __init__(self):
        from data_inclusion.schema import v1
        from django.db.models import Q
        from django.utils import timezone

        from sas.annuaire.matching import FIELDS, GRATUIT, REACTIVITE_PAR_DEFAUT, ZONE_POINTS, _reactivite_points
        from sas.annuaire.models import Service

        # The very columns the matching reads, looked up by name; suspended services are not in the scan.
        active = Q(date_suspension__isnull=True) | Q(date_suspension__gt=timezone.localdate())
        rows = list(Service.objects.filter(active).order_by("source", "identifiant").values_list(*FIELDS))
        column = {name: [r[i] for r in rows] for i, name in enumerate(FIELDS)}
        zone_cles = column["zone_cles"]
        self.themes = {t.value: i for i, t in enumerate(sorted(v1.Thematique, key=lambda t: t.value))}
        self.publics = {p.value: i for i, p in enumerate(sorted(v1.Public, key=lambda p: p.value))}
        keys = sorted({k for zone in zone_cles for k in zone})
        self.keys = {k: i for i, k in enumerate(keys)}
        self.key_points = np.array([ZONE_POINTS[k.split(":")[0]] for k in keys] + [-1], dtype=np.int8)
        width = max(len(zone) for zone in zone_cles)
        self.pk = np.array(column["pk"])
        self.theme_bits = np.array([self._bits(t, self.themes) for t in column["thematiques"]], dtype=object)
        self.theme_lo = np.array([b & (2**64 - 1) for b in self.theme_bits], dtype=np.uint64)
        self.theme_hi = np.array([b >> 64 for b in self.theme_bits], dtype=np.uint64)
        self.public_bits = np.array([self._bits(p, self.publics) for p in column["publics"]], dtype=np.uint32)
        specific = self._bits({"jeunes"}, self.publics)
        self.public_specific = (self.public_bits & specific) != 0
        self.free = np.array([frais == GRATUIT for frais in column["frais"]])
        self.unknown_cost = np.array([not frais for frais in column["frais"]])
        self.age_min = np.array([a if a is not None else -1 for a in column["age_min"]], dtype=np.int16)
        self.age_max = np.array([a if a is not None else 999 for a in column["age_max"]], dtype=np.int16)
        self.has_age = np.array(
            [lo is not None or hi is not None for lo, hi in zip(column["age_min"], column["age_max"], strict=True)]
        )
        # The text's ages, a hint: only when the band is the service's only public.
        seul = np.array(column["ages_fiche_seul"])
        fiche_min = np.array([a if a is not None else -1 for a in column["age_min_fiche"]], dtype=np.int16)
        fiche_max = np.array([a if a is not None else 999 for a in column["age_max_fiche"]], dtype=np.int16)
        has_fiche = (fiche_min >= 0) | (fiche_max < 999)
        self.fiche = seul & has_fiche & ~self.has_age
        self.fiche_min, self.fiche_max = fiche_min, fiche_max
        self.lat = np.radians(np.array([x if x is not None else np.nan for x in column["position_lat"]]))
        self.lon = np.radians(np.array([x if x is not None else np.nan for x in column["position_lon"]]))
        self.presentiel = np.array(column["en_presentiel"])
        self.distance = np.array(column["a_distance"])
        self.zones = np.full((len(rows), width), len(keys), dtype=np.int32)
        for i, zone in enumerate(zone_cles):
            self.zones[i, : len(zone)] = [self.keys[k] for k in zone]
        self.reactivite = _reactivite_points(REACTIVITE_PAR_DEFAUT)

    @staticmethod
    def _bits(values, index):
        bits = 0
        for value in values or ():
            bits |= 1 << index[value]
        return bits

    def rank(self, profil):
        from sas.annuaire import schema
        from sas.annuaire.matching import (
            EARTH_KM,
            HORS_PUBLIC_POINTS,
            PUBLICS_JEUNES,
            URGENCE_POINTS,
            expand_thematiques,
        )

        keys = schema.person_keys(profil.code_insee, profil.departement, profil.epci)
        person = [self.keys[k] for k in keys if k in self.keys]
        zone_hit = np.isin(self.zones, person)
        mask = zone_hit.any(axis=1)
        needs = [self._bits(options, self.themes) for options in expand_thematiques(profil.thematiques)]
        covered = np.zeros(len(self.pk), dtype=np.int8)
        for need in needs:
            lo, hi = np.uint64(need & (2**64 - 1)), np.uint64(need >> 64)
            covered += ((self.theme_lo & lo) | (self.theme_hi & hi)) != 0
        mask &= covered > 0
        person_publics = self._bits(PUBLICS_JEUNES, self.publics)
        reserved = (self.public_bits != 0) & ((self.public_bits & person_publics) == 0)
        mask &= (self.age_min <= profil.age) & (self.age_max >= profil.age)
        fiche_out = self.fiche & ((self.fiche_min > profil.age) | (self.fiche_max < profil.age))
        lat, lon = np.radians(profil.latitude), np.radians(profil.longitude)
        a = np.sin((self.lat - lat) / 2) ** 2 + np.cos(lat) * np.cos(self.lat) * np.sin((self.lon - lon) / 2) ** 2
        km = 2 * EARTH_KM * np.arcsin(np.sqrt(a))
        in_person_kind = self.presentiel | ~self.distance
        person_ok = in_person_kind & (km <= profil.rayon_km) & (not profil.a_distance_uniquement)
        remote_ok = self.distance
        mask &= person_ok | remote_ok
        score = 40.0 * covered / max(len(needs), 1)
        score += np.where(person_ok, 20 * (1 - km / profil.rayon_km), 15.0)
        score += np.where(self.free, 10, np.where(self.unknown_cost, 5, 0))
        score += 5 * self.public_specific + 5 * (self.has_age | (self.fiche & ~fiche_out))
        score += HORS_PUBLIC_POINTS * (reserved.astype(np.int8) + fiche_out)
        for _label, themes in profil.urgences:
            urgent = self._bits(themes, self.themes)
            lo, hi = np.uint64(urgent & (2**64 - 1)), np.uint64(urgent >> 64)
            score += URGENCE_POINTS * (((self.theme_lo & lo) | (self.theme_hi & hi)) != 0)
        points = np.where(zone_hit, self.key_points[self.zones], -1).max(axis=1)
        score += points + self.reactivite
        candidates = np.flatnonzero(mask)
        order = candidates[np.lexsort((candidates, -np.round(score[candidates], 6)))][:LIMIT]
        return self.pk[order].tolist()


def percentile(values, share):
    return statistics.quantiles(values, n=100, method="inclusive")[share - 1]


def young_person_of_paris_19e():
    """A journey whose diagnostic is done (a bed tonight, digital skills, a job), and a counsellor of its territory."""
    import datetime

    from django.utils import timezone

    from sas.communes.models import Commune
    from sas.diagnostic import services as diagnostics
    from sas.diagnostic.models import Questionnaire
    from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
    from sas.organisations.models import OrganisationKind, Role
    from sas.parcours import transitions
    from sas.parcours.factories import SignalementFactory
    from sas.parcours.status import Status

    at = timezone.now() - datetime.timedelta(days=30)
    Questionnaire.objects.update(published_at=at)
    paris_19e = Commune.objects.get(code_insee="75119")
    territory = TerritoryFactory(communes=[paris_19e])
    aiguilleur = member(Role.AIGUILLEUR, territory=territory)
    signalement = SignalementFactory(
        organisation=OrganisationFactory(territory=territory, kind=OrganisationKind.ASE),
        parcours__territory=territory,
        parcours__at=at,
        parcours__jeune__prenom="Yanis",
        parcours__jeune__commune=paris_19e,
        parcours__jeune__date_naissance=timezone.localdate() - datetime.timedelta(days=19 * 365 + 30),
    )
    parcours = signalement.parcours
    for status in (Status.A_CONTACTER, Status.CONTACTE):
        transitions.transition(parcours, status, at=at)
    diagnostic = diagnostics.demarrer(parcours, conseiller=aiguilleur, at=at)
    reponses = {
        "aide_immediate": ["dormir"],
        "numerique": {"niveau": "bloquant", "avis_jeune": ""},
        "priorites": ["emploi"],
    }
    diagnostics.enregistrer(diagnostic, reponses, actor=aiguilleur, at=at)
    besoins = [b.code for b in diagnostics.besoins(diagnostic)]
    diagnostics.enregistrer_plan(diagnostic, besoins_retenus=besoins, actor=aiguilleur, at=at)
    diagnostics.terminer(diagnostic, actor=aiguilleur, at=at)
    parcours.refresh_from_db()
    return parcours, aiguilleur


def page_benchmark():
    """The counsellor's proposals page, end to end through Django's test client, against the ranking alone."""
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from sas.orientation import services

    setup_test_environment()
    parcours, aiguilleur = young_person_of_paris_19e()
    client = Client()
    client.force_login(aiguilleur)
    url = reverse("orientation:parcours", args=[parcours.uuid])
    first = client.get(url)
    assert first.status_code == 200 and "Urgent" in first.content.decode(), first.status_code
    pages, rankings = [], []
    for _ in range(PAGE_LOADS):
        start = time.perf_counter()
        client.get(url)
        pages.append(time.perf_counter() - start)
        start = time.perf_counter()
        services.classer(parcours)
        rankings.append(time.perf_counter() - start)
    report("matching", "page_p50", percentile(pages, 50) * 1000, "ms")
    report("matching", "page_p95", percentile(pages, 95) * 1000, "ms")
    report("matching", "page_ranking_alone_p95", percentile(rankings, 95) * 1000, "ms")
    report("matching", "page_ratio_p95", percentile(pages, 95) / percentile(rankings, 95), "x")


def main():
    from sas.annuaire.imports import import_rows
    from sas.annuaire.matching import classer
    from sas.communes.services import import_communes
    from sas.orientation.indicators import reactivite

    import_communes(wet_run=True)
    rapport = import_rows(generate_catalogue(), wet_run=True)
    assert not rapport.rejets
    people = profiles()
    floor = Floor()

    orm, scan, agree, sizes = [], [], 0, []
    for profil in people:
        start = time.perf_counter()
        propositions = classer(profil, limite=LIMIT, reactivite=reactivite)
        orm.append(time.perf_counter() - start)
        start = time.perf_counter()
        expected = floor.rank(profil)
        scan.append(time.perf_counter() - start)
        agree += [p.service_id for p in propositions] == expected
        sizes.append(len(propositions))

    p50, p95 = percentile(orm, 50), percentile(orm, 95)
    f50, f95 = percentile(scan, 50), percentile(scan, 95)
    report("matching", "p50", p50 * 1000, "ms")
    report("matching", "p95", p95 * 1000, "ms")
    report("matching", "numpy_p50", f50 * 1000, "ms")
    report("matching", "numpy_p95", f95 * 1000, "ms")
    report("matching", "ratio_p50", p50 / f50, "x")
    report("matching", "ratio_p95", p95 / f95, "x")
    report("matching", "same_top_as_numpy", 100 * agree / len(people), "%")
    report("matching", "mean_proposals", statistics.mean(sizes), "services")
    page_benchmark()


if __name__ == "__main__":
    with test_database():
        main()
