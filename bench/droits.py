"""Rights screening against the real OpenFisca-France web API, started here from `.venv-openfisca` and warmed up.

- 50 persons: from "resources saved" (the diagnostic's "Ressources et droits" answers saved) to "screening ready"
  (its Estimation stored by the task worker, run in a thread at db_worker's default interval), p50 and p95; the
  baseline is the bare /calculate request of the same situations.
- One batch of 1,000 persons in one /calculate request: the cost per person, against one person per request.
- The web process's resident memory (this process plays it: it renders the counsellor's summary) before any
  screening, then with screening in use; OpenFisca is never imported here.

Targets: p95 ≤ 3 s warm, ≤ 20 ms per person in a batch, memory not growing (ratio ≈ 1).
"""

import gc
import os
import random
import statistics
import sys
import threading
import time
from contextlib import contextmanager

from common import report, test_database

PERSONS = 50
BATCH = 1_000
RENDERS = 100


def p95(values):
    return statistics.quantiles(values, n=20)[-1]


def rss_mib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@contextmanager
def openfisca_service():
    from sas.droits.service_local import Absent, openfisca_local

    try:
        with openfisca_local() as url:
            yield url
    except Absent as error:
        sys.exit(str(error))


def reponses_au_hasard(rng):
    """Answers of the "Ressources et droits" step, as varied as the young people SAS meets."""
    reponses = {
        "revenus_travail_12_mois": str(rng.choice([0, 0, 1800, 4800, 7200, 9600, 14400, 19200])),
        "chomage_12_mois": str(rng.choice([0, 0, 0, 3600])),
        "logement_statut": rng.choice(["locataire_vide", "locataire_meuble", "loge_gratuitement", "sans_domicile"]),
        "loyer": str(rng.choice([300, 450, 600])),
        "enfants_nombre": str(rng.choice([0, 0, 0, 1, 2])),
        "etudiant": rng.choice(["oui", "non", "non", "non"]),
        "cej_en_cours": rng.choice(["oui", "non", "non"]),
        "foyer_fiscal_impot": rng.choice(["non_imposable", "non_imposable", "premiere_tranche", "au_dela"]),
    }
    if rng.random() < 0.2:
        reponses.update(en_couple="oui", revenus_conjoint_12_mois=str(rng.choice([0, 9600, 18000])))
    return reponses


def rendre_sommaires(client, diagnostics):
    from django.urls import reverse

    for i in range(RENDERS):
        diagnostic = diagnostics[i % len(diagnostics)]
        response = client.get(reverse("diagnostic:sommaire", args=[diagnostic.pk]))
        assert response.status_code == 200, response.status_code
    gc.collect()
    return rss_mib()


def main(url):
    import datetime

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django_tasks_db.management.commands.db_worker import Worker

    from sas.communes.factories import CommuneFactory
    from sas.diagnostic import services as diagnostic_services
    from sas.droits import openfisca, situation
    from sas.droits.models import Estimation
    from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
    from sas.organisations.models import OrganisationKind, Role
    from sas.parcours.factories import ParcoursFactory

    settings.SAS_OPENFISCA_URL = url
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the test client's host
    rng = random.Random(15)
    territory = TerritoryFactory(nom="Métropole de Lyon")
    aiguilleur = member(Role.AIGUILLEUR, OrganisationFactory(territory=territory, kind=OrganisationKind.EQUIPE_SAS))
    lyon = CommuneFactory(code_insee="69123", nom="Lyon")
    today = datetime.date.today()
    diagnostics = []
    for _ in range(PERSONS):
        naissance = today.replace(year=today.year - rng.randint(16, 29), day=1)
        parcours = ParcoursFactory(territory=territory, jeune__date_naissance=naissance, jeune__commune=lyon)
        diagnostics.append(diagnostic_services.demarrer(parcours, conseiller=aiguilleur))
    client = Client()
    client.force_login(aiguilleur)

    # The web process before any screening: the same pages, saying there is no estimate yet.
    rss_sans = rendre_sommaires(client, diagnostics)

    mois = situation.mois_de(datetime.datetime.now())
    for _ in range(3):  # warm: the first calculations of a fresh service are much slower
        openfisca.calculer(
            situation.construire(reponses_au_hasard(rng), date_naissance=today, depcom="69123", mois=mois),
            timeout=300,
        )

    worker = Worker(
        queue_names=["default"],
        interval=1,  # db_worker's default, as run in production
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="bench-droits",
        excluded_queue_names=[],
    )
    # The in-memory SQLite test database locks its tables against a second connection: there the worker runs each
    # task right after the save, without its wait between polls.
    en_parallele = connection.vendor != "sqlite"
    if en_parallele:

        def travailler():
            try:
                worker.run()
            finally:
                connection.close()  # else the test database cannot be dropped

        thread = threading.Thread(target=travailler, daemon=True)
        thread.start()
    else:
        worker.batch = True
        print("droits: base SQLite, attente du worker entre deux relevés non comptée", file=sys.stderr)
    pret, nu, indisponibles = [], [], 0
    for diagnostic in diagnostics:
        start = time.perf_counter()
        diagnostic_services.enregistrer(diagnostic, reponses_au_hasard(rng), actor=aiguilleur, section="droits")
        if not en_parallele:
            worker.run()
        while not Estimation.objects.filter(diagnostic=diagnostic).exists():
            time.sleep(0.01)
        pret.append(time.perf_counter() - start)
        estimation = Estimation.objects.get(diagnostic=diagnostic)
        # With the production timeout: a loaded machine makes some screenings "indisponible", counted.
        indisponibles += not estimation.disponible
        start = time.perf_counter()
        openfisca.calculer(estimation.entrees, timeout=300)
        nu.append(time.perf_counter() - start)
    if en_parallele:
        worker.running = False
        thread.join(timeout=5)

    # The web process with screening in use: the same pages, now showing each person's rights.
    rss_avec = rendre_sommaires(client, diagnostics)
    openfisca_importe = any(name.split(".")[0].startswith("openfisca_") for name in sys.modules)

    situations = [
        situation.construire(
            reponses_au_hasard(rng),
            date_naissance=today.replace(year=today.year - rng.randint(16, 29), day=1),
            depcom="69123",
            mois=mois,
        )
        for _ in range(BATCH)
    ]
    start = time.perf_counter()
    reponses, _ = openfisca.calculer_lot(situations, timeout=600)
    lot = time.perf_counter() - start
    assert len(reponses) == BATCH
    for reponse in reponses:
        situation.lire(reponse, {}, mois)

    report("droits", "ready_p50", statistics.median(pret), "s")
    report("droits", "ready_p95", p95(pret), "s")
    report("droits", "calculate_baseline_p50", statistics.median(nu), "s")
    report("droits", "calculate_baseline_p95", p95(nu), "s")
    report("droits", "ready_ratio_p95", p95(pret) / p95(nu), "x")
    report("droits", "unavailable_at_production_timeout", indisponibles, "persons")
    report("droits", "batch_total", lot, "s")
    report("droits", "batch_per_person", lot / BATCH * 1000, "ms")
    report("droits", "batch_ratio_to_one_request", (lot / BATCH) / statistics.median(nu), "x")
    report("droits", "web_rss_without_screening", rss_sans, "MiB")
    report("droits", "web_rss_with_screening", rss_avec, "MiB")
    report("droits", "web_rss_ratio", rss_avec / rss_sans, "x")
    report("droits", "openfisca_imported_in_web", int(openfisca_importe), "bool")


if __name__ == "__main__":
    with openfisca_service() as url, test_database():
        main(url)
