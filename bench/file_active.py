"""The territory queue at the scale of a metropolitan area: 20,000 journeys and 200,000 events in one territory.

Server time of the queue page through Django's test client (first page, a search, a filtered page), against the
bare SQL of the same page (every statement the page sent, captured from it and replayed on a cursor in the same run:
its rows, its tabs' counts, the caseloads, the session, the audit entry); HTML size; then 20 concurrent clients
against gunicorn on loopback for FILE_ACTIVE_DUREE seconds (default 60): errors and throughput.

Targets: p95 ≤ 150 ms, ≤ 3× the bare query, page ≤ 150 KB, 0 errors. Run on PostgreSQL (DATABASE_URL, e.g.
postgres://postgres@127.0.0.1:5432/sas_bench_file: the bench builds and drops test_sas_bench_file); on SQLite the
concurrent part is skipped (its test database lives in memory).
"""

import datetime
import gc
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from common import CHEMIN, report, test_database

JOURNEYS = 20_000
EVENTS = 200_000
REQUESTS = 30
CLIENTS = 20
WORKERS = 4
DURATION = float(os.environ.get("FILE_ACTIVE_DUREE", "60"))
PRENOMS = ["Inès", "Yanis", "Léa", "Moussa", "Chloé", "Kevin", "Sarah", "Nathan", "Aya", "Lucas", "Jade", "Enzo"]
NOMS = ["Martin", "Bernard", "Diallo", "Petit", "Durand", "Leroy", "Moreau", "Nguyen", "Garcia", "Roux", "Fournier"]
# The side exits reached from the journey's path (common.CHEMIN).
SORTIES = {"hors_cible": "signale", "injoignable": "contact_en_cours", "refus_du_jeune": "contacte"}
# A territory with a few years of history: half of it closed.
REPARTITION = {
    "sortie_a_venir": 3,
    "signale": 4,
    "a_contacter": 5,
    "contact_en_cours": 8,
    "contacte": 5,
    "diagnostic_fait": 3,
    "orientation_proposee": 2,
    "orientation_envoyee": 2,
    "acceptee_par_structure": 1,
    "premier_rdv": 1,
    "pris_en_charge": 6,
    "suivi": 8,
    "abandon": 2,
    "sorti_positif": 30,
    "injoignable": 10,
    "refus_du_jeune": 5,
    "hors_cible": 5,
}


def _etapes(status):
    """The statuses a journey went through to reach `status`, its first one included."""
    if status == "sortie_a_venir":
        return ["sortie_a_venir"]
    if status == "abandon":
        return [*CHEMIN[: CHEMIN.index("contacte") + 1], "abandon"]
    if status in SORTIES:
        return [*CHEMIN[: CHEMIN.index(SORTIES[status]) + 1], status]
    return CHEMIN[: CHEMIN.index(status) + 1]


def build(rng):
    """The territory, its team and prescribers, then JOURNEYS journeys with EVENTS events, in bulk: (a counsellor, a
    name and a letter code to search for)."""
    from django.utils import timezone

    from sas.communes.factories import CommuneFactory
    from sas.espace_jeune.models import LienJeune
    from sas.jeunes.models import Jeune
    from sas.messagerie.models import Message, MessageStatus
    from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
    from sas.organisations.models import OrganisationKind, Role
    from sas.parcours.models import EventKind, Parcours, ParcoursEvent, Signalement, SignalementSource

    now = timezone.now()
    territory = TerritoryFactory(nom="Métropole de Lyon")
    equipe = OrganisationFactory(territory=territory, kind=OrganisationKind.EQUIPE_SAS, nom="Équipe SAS")
    counsellors = [member(Role.AIGUILLEUR, equipe) for _ in range(8)]
    prescribers = [OrganisationFactory(territory=territory, kind=kind) for kind in OrganisationKind.values[:5]]
    communes = [CommuneFactory() for _ in range(60)]
    statuses = rng.choices(list(REPARTITION), weights=list(REPARTITION.values()), k=JOURNEYS)
    jeunes = Jeune.objects.bulk_create(
        Jeune(
            prenom=rng.choice(PRENOMS),
            nom=f"{rng.choice(NOMS)}{n}",
            telephone=f"+336{n:08d}",
            email=f"jeune{n}@example.org",
            date_naissance=datetime.date(1998 + n % 11, 1 + n % 12, 1 + n % 28),
            commune=rng.choice(communes),
        )
        for n in range(JOURNEYS)
    )
    journeys, steps = [], []
    for n, (jeune, status) in enumerate(zip(jeunes, statuses, strict=True)):
        path = _etapes(status)
        # Open journeys are recent, closed ones spread over two years.
        age = rng.uniform(0, 40 if len(path) < 5 and status not in SORTIES else 700)
        start = now - datetime.timedelta(days=age)
        moments = sorted(start + (now - start) * rng.random() * 0.9 for _ in path[1:])
        steps.append(list(zip(path, [start, *moments], strict=True)))
        journeys.append(
            Parcours(
                jeune=jeune,
                territory=territory,
                status=status,
                status_changed_at=steps[-1][-1][1],
                created_at=start,
                conseiller=counsellors[n % len(counsellors)] if n % 3 else None,
            )
        )
    # The rest are messages and calls, on journeys past their first contact.
    reached = [(p, path) for p, path in zip(journeys, steps, strict=True) if len(path) > 2]
    attempts = []
    while len(attempts) + sum(len(path) for path in steps) < EVENTS:
        p, path = rng.choice(reached)
        kind = rng.choice([EventKind.MESSAGE, EventKind.CONTACT])
        moment = path[1][1] + (path[-1][1] - path[1][1]) * rng.random()
        attempts.append(
            ParcoursEvent(
                parcours=p,
                kind=kind,
                from_status=p.status,
                to_status=p.status,
                occurred_at=moment,
                detail={"canal": "appel", "resultat": "sans_reponse"},
            )
        )
    # The milestones sas.parcours.transitions keeps as it writes the events.
    first_attempt = {}
    for event in attempts:
        first_attempt[id(event.parcours)] = min(
            first_attempt.get(id(event.parcours), event.occurred_at), event.occurred_at
        )
    for p, path in zip(journeys, steps, strict=True):
        first = dict(reversed(path))
        # A journey still "sortie à venir" has not started its clock (none here ever left that status).
        p.objectifs_depuis = None if path[0][0] == "sortie_a_venir" else path[0][1]
        p.contacte_le, p.injoignable_le = first.get("contacte"), first.get("injoignable")
        p.diagnostic_le = first.get("diagnostic_fait")
        tries = [moment for moment in (first_attempt.get(id(p)), p.contacte_le) if moment]
        p.premier_essai_le = min(tries, default=None)
    Parcours.objects.bulk_create(journeys, batch_size=2000)
    Signalement.objects.bulk_create(
        (
            Signalement(
                parcours=p,
                organisation=rng.choice(prescribers),
                source=SignalementSource.PRESCRIPTEUR,
                created_at=p.created_at,
                attache_le=p.created_at,
                fin_accompagnement_le=(now + datetime.timedelta(days=rng.randint(5, 120))).date()
                if p.status == "sortie_a_venir"
                else None,
                motif="Fin de prise en charge",
            )
            for p in journeys
        ),
        batch_size=2000,
    )
    events = []
    for p, path in zip(journeys, steps, strict=True):
        previous = ""
        for status, moment in path:
            events.append(
                ParcoursEvent(parcours=p, from_status=previous, to_status=status, occurred_at=moment, reason="")
            )
            previous = status
    ParcoursEvent.objects.bulk_create(events + attempts, batch_size=5000)
    liens = LienJeune.objects.bulk_create(
        LienJeune(parcours=p, created_at=p.created_at, expires_at=p.created_at + datetime.timedelta(days=30))
        for p in journeys[::4]
    )
    Message.objects.bulk_create(
        Message(
            parcours=p,
            jeune=p.jeune,
            canal="sms",
            gabarit="relance",
            destinataire=p.jeune.telephone,
            corps="…",
            status=MessageStatus.ECHEC,
            prevu_le=p.created_at,
        )  # fmt: skip
        for p in journeys[::50]
    )
    return counsellors[0], jeunes[JOURNEYS // 2].nom[:-1], liens[len(liens) // 2].token


def percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, round(share * (len(values) - 1)))]


def measure(function):
    function()  # warm the caches
    durations = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        function()
        durations.append((time.perf_counter() - start) * 1000)
    return statistics.median(durations), percentile(durations, 0.95)


def serve_and_load(cookie, url_path):
    """gunicorn on loopback over the bench's database, CLIENTS threads GETting `url_path` for DURATION seconds."""
    from django.db import connection

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    db = connection.settings_dict
    database = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": database, "DJANGO_DEBUG": "1", "ALLOWED_HOSTS": "127.0.0.1"}
    root = Path(__file__).resolve().parent.parent
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "sas.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=root,
        env=env,
        # Its access log (gunicorn.conf.py) is written as in production, but not onto the bench's output.
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}{url_path}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        ok, errors, durations = [0], [0], []
        lock = threading.Lock()
        deadline = time.perf_counter() + DURATION

        def client():
            opener = urllib.request.build_opener()
            opener.addheaders = [("Cookie", cookie)]
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    with opener.open(url, timeout=30) as response:
                        good = response.status == 200 and b"File active du territoire" in response.read()
                except OSError:
                    good = False
                with lock:
                    durations.append((time.perf_counter() - start) * 1000)
                    (ok if good else errors)[0] += 1

        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    return ok[0], errors[0], elapsed, durations


def measure_pages(counsellor, nom, code):
    """The queue page's BENCH lines for each kind of page; returns the client (logged in) and whether one missed."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from sas.aiguillage.file import file_active

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(counsellor)
    url = reverse("parcours:file_active")
    pages = {
        "first_page": {},
        "search": {"q": nom},
        "search_code": {"q": code},
        "filtered": {"groupe": "en_cours", "en_retard": "on", "prescripteur": "ase"},
    }
    failed = False
    for name, params in pages.items():

        def page(params=params):
            response = client.get(url, params)
            assert response.status_code == 200, response.status_code
            return response

        with CaptureQueriesContext(connection) as page_sql:
            size = len(page().content) / 1024
        statements = [query["sql"] for query in page_sql.captured_queries]

        def bare(statements=statements):
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
                    if cursor.description is not None:
                        cursor.fetchall()

        p50, p95 = measure(page)
        bare_p50, bare_p95 = measure(bare)
        report("file_active", f"{name}_rows", len(file_active(counsellor, filtres=params).parcours), "rows")
        report("file_active", f"{name}_queries", len(statements), "queries")
        report("file_active", f"{name}_p50", p50, "ms")
        report("file_active", f"{name}_p95", p95, "ms")
        report("file_active", f"{name}_bare_query_p50", bare_p50, "ms")
        report("file_active", f"{name}_bare_query_p95", bare_p95, "ms")
        report("file_active", f"{name}_ratio", p50 / bare_p50, "x")
        report("file_active", f"{name}_html", size, "KB")
        failed |= p95 > 150 or p50 / bare_p50 > 3 or size > 150
    return client, failed


def main():
    from django.conf import settings
    from django.db import connection
    from django.urls import reverse

    rng = random.Random(12)
    start = time.perf_counter()
    counsellor, nom, code = build(rng)
    report("file_active", "build_time", time.perf_counter() - start, "s")
    # The build's hundreds of thousands of objects are gone, as they would be from a server's process.
    gc.collect()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # What autovacuum does after a bulk load: statistics, and the visibility map for index-only scans.
            cursor.execute("VACUUM ANALYZE")
    client, failed = measure_pages(counsellor, nom, code)
    url = reverse("parcours:file_active")
    if connection.vendor != "postgresql":
        print("file_active: charge concurrente sautée (base de test SQLite en mémoire)", file=sys.stderr)
    else:
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        ok, errors, elapsed, durations = serve_and_load(cookie, url)
        report("file_active", "concurrent_clients", CLIENTS, "clients")
        report("file_active", "concurrent_errors", errors, "errors")
        report("file_active", "concurrent_throughput", ok / elapsed, "req/s")
        report("file_active", "concurrent_p50", statistics.median(durations), "ms")
        report("file_active", "concurrent_p95", percentile(durations, 0.95), "ms")
        failed |= errors > 0
    return failed


if __name__ == "__main__":
    with test_database():
        failed = main()
    sys.exit(1 if failed else 0)
