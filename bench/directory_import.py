"""A national catalogue of 150,000 services (and their structures) over real communes, imported through the
directory's validation and upsert, against validating the same rows with the data·inclusion package alone.

Targets: ≥ 5,000 rows/s and ≤ 3× validation alone. Also measures importing the same dump again (a no-op).
"""

import random
import time

from common import report, report_import, test_database, timed

SERVICES = 150_000
SERVICES_PER_STRUCTURE = 5


def generate_catalogue(services=SERVICES, seed=42):
    """(position, genre, row) triples: structures then services, spread over real communes by population."""
    from data_inclusion.schema import v1

    from sas.communes.models import Commune

    rng = random.Random(seed)
    communes = list(
        Commune.objects.filter(latitude__isnull=False)
        # Paris, Lyon and Marseille are drawn through their arrondissements, not twice.
        .filter(commune__isnull=True)
        .order_by("code_insee")
        .values_list("code_insee", "nom", "latitude", "longitude", "departement_id", "population")
    )
    weights = [max(population, 50) for *_, population in communes]
    themes = sorted(t.value for t in v1.Thematique)
    categories = sorted({t.split("--")[0] for t in themes})
    by_category = {c: [t for t in themes if t.startswith(f"{c}--")] for c in categories}
    publics = sorted(p.value for p in v1.Public if p.value != "tous-publics")
    departements = sorted({c[4] for c in communes})

    rows = []
    structures = services // SERVICES_PER_STRUCTURE
    places = rng.choices(communes, weights=weights, k=structures)
    for index, (code, nom, lat, lon, _dep, _pop) in enumerate(places, 1):
        rows.append(
            (
                f"structure {index}",
                "structure",
                {
                    "source": "bench",
                    "id": f"bench--s{index}",
                    "nom": f"Structure {index} de {nom}"[:150],
                    "date_maj": "2025-03-01",
                    "code_insee": code,
                    "commune": nom,
                    "latitude": lat,
                    "longitude": lon,
                },
            )
        )
    for index in range(1, services + 1):
        structure = (index - 1) // SERVICES_PER_STRUCTURE + 1
        code, nom, lat, lon, dep, _pop = places[structure - 1]
        draw = rng.random()
        if draw < 0.02:
            zone, modes = ["france"], ["a-distance"]
        elif draw < 0.45:
            zone, modes = [dep], rng.choice([["en-presentiel"], ["en-presentiel"], ["a-distance", "en-presentiel"]])
        elif draw < 0.55:
            zone, modes = [dep, rng.choice(departements)], ["en-presentiel"]
        else:
            zone, modes = [code], ["en-presentiel"]
        category = rng.sample(categories, rng.choice([1, 1, 2]))
        service_themes = sorted({rng.choice(by_category[c]) for c in category for _ in range(rng.randint(1, 2))})
        young = rng.random() < 0.3
        rows.append(
            (
                f"service {index}",
                "service",
                {
                    "source": "bench",
                    "structure_id": f"bench--s{structure}",
                    "id": f"bench--{index}",
                    "nom": f"Service {index}",
                    "description": "Accompagnement proposé par la structure, sur rendez-vous.",
                    "date_maj": "2025-03-01",
                    "thematiques": service_themes,
                    "publics": ["jeunes"] if young else rng.choice([["tous-publics"], rng.sample(publics, 2)]),
                    "publics_precisions": "Jeunes de 16 à 25 ans" if young and rng.random() < 0.5 else None,
                    "frais": rng.choice(["gratuit", "gratuit", "payant", None]),
                    "modes_accueil": modes,
                    "zone_eligibilite": zone,
                    "code_insee": code,
                    "commune": nom,
                    "latitude": round(lat + rng.uniform(-0.02, 0.02), 5),
                    "longitude": round(lon + rng.uniform(-0.02, 0.02), 5),
                },
            )
        )
    return rows


def main():
    from sas.annuaire.imports import import_rows
    from sas.annuaire.models import Service
    from sas.annuaire.schema import validate
    from sas.communes.services import import_communes

    import_communes(wet_run=True)
    rows = generate_catalogue()

    def validation_alone():
        for _, genre, row in rows:
            validate(genre, row)

    baseline = timed(validation_alone)
    start = time.perf_counter()
    rapport = import_rows(rows, wet_run=True)
    total = time.perf_counter() - start
    assert not rapport.rejets and Service.objects.count() == SERVICES, rapport.rejets[:3]
    again = []
    second = timed(lambda: again.append(import_rows(rows, wet_run=True)))
    assert again[0].services.inchanges == SERVICES

    report("directory_import", "rows", len(rows), "rows")
    report_import(
        "directory_import",
        len(rows),
        total,
        baseline=("validation_baseline", baseline),
        again=("same_dump_again", second),
    )


if __name__ == "__main__":
    with test_database():
        main()
