"""Issue 14, "limits that hold": the counters are shared by every process, read the caller's address behind the
trusted proxies only, and one caller's wrong codes lock neither another young person's link nor their address."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from sas.espace_jeune import services as espace_jeune
from sas.espace_jeune.models import LienJeune
from sas.limites import Limite, cle_ip, client_ip
from sas.orientation import views as orientation
from sas.parcours.factories import ParcoursFactory
from sas.tests.serveur_gunicorn import base_pour_gunicorn, demander, gunicorn

ROOT = Path(__file__).resolve().parents[2]
IP = "203.0.113.7"
PROXY = "10.0.0.2"


@pytest.fixture
def lien(territory):
    return LienJeune.creer(ParcoursFactory(territory=territory))


# Two worker processes


SCRIPT = """
from sas.limites import Limite
for _ in range({hits}):
    Limite("deux_processus", limit={limit}, window=86400).hit("{ip}")
print(Limite("deux_processus", limit={limit}, window=86400).exceeded("{ip}"),
      Limite("deux_processus", limit={limit} + 1, window=86400).exceeded("{ip}"))
"""


@pytest.fixture
def shared_database(request, tmp_path):
    """A database that separate Python processes open, with the cache table: the tests' own on PostgreSQL (committed,
    so that the workers see it); on SQLite, whose test database lives in memory, a file of its own made as `make run`
    does."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CACHE_URL")}
    env["SAS_DEMO"] = "1"
    if connection.vendor == "postgresql":
        request.getfixturevalue("transactional_db")
        db = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        # The cache table is no model's: the flush after the test leaves it as it is.
        cache.clear()
        yield env
        cache.clear()
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'partagee.sqlite3'}"
        subprocess.run([sys.executable, "manage.py", "createcachetable"], cwd=ROOT, env=env, check=True, timeout=120)
        yield env


def worker(env, *, hits, limit):
    code = SCRIPT.format(hits=hits, limit=limit, ip=IP)
    return subprocess.Popen(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def answer(process):
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0
    return out.split()


def test_two_processes_count_against_the_same_limit(shared_database):
    limit = 6
    # The first worker stays under the limit; one hit in another process is enough to reach it.
    assert answer(worker(shared_database, hits=limit - 1, limit=limit)) == ["False", "False"]
    assert answer(worker(shared_database, hits=1, limit=limit)) == ["True", "False"]
    # And the first one sees it too.
    assert answer(worker(shared_database, hits=0, limit=limit)) == ["True", "False"]


def test_two_processes_counting_at_once_lose_no_hit(shared_database):
    hits = 150
    # Each is told the total as the limit: reached exactly, neither a hit lost nor one counted twice.
    first, second = (
        worker(shared_database, hits=hits, limit=2 * hits),
        worker(shared_database, hits=hits, limit=2 * hits),
    )
    answer(first), answer(second)
    assert answer(worker(shared_database, hits=0, limit=2 * hits)) == ["True", "False"]


@pytest.mark.django_db
def test_the_counter_keeps_its_window_when_it_is_incremented():
    limite = Limite("fenetre", limit=3, window=86400)
    for _ in range(3):
        limite.hit(IP)
    assert limite.exceeded(IP)
    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM sas_cache")
        (expires,) = cursor.fetchone()
    # SQLite hands back text, without a time zone (the cache stores UTC).
    expires = expires if isinstance(expires, datetime.datetime) else datetime.datetime.fromisoformat(expires)
    expires = expires if expires.tzinfo else expires.replace(tzinfo=datetime.UTC)
    # Django's own database cache gave it the default timeout (5 minutes) again on every increment.
    assert expires - timezone.now() > datetime.timedelta(hours=23)


# Behind a proxy


def request(xff=None, remote=PROXY):
    extra = {"HTTP_X_FORWARDED_FOR": xff} if xff is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_the_address_is_read_behind_the_trusted_proxies_only(settings):
    settings.SAS_TRUSTED_PROXIES = 0
    assert client_ip(request("198.51.100.1")) == PROXY
    settings.SAS_TRUSTED_PROXIES = 1
    # Whatever the caller wrote stands left of what our proxy appended.
    assert client_ip(request("1.2.3.4, 198.51.100.1")) == "198.51.100.1"
    assert client_ip(request(None)) == PROXY
    assert client_ip(request("not-an-address")) == PROXY
    settings.SAS_TRUSTED_PROXIES = 2
    assert client_ip(request("1.2.3.4, 198.51.100.1, 10.0.0.1")) == "198.51.100.1"
    # IPv6 callers count per /64.
    assert cle_ip("2001:db8:1:2:3:4:5:6") == cle_ip("2001:db8:1:2:ffff::1") == "2001:db8:1:2::"


def wrong_codes(client, n, start=7000, **extra):
    # Each aimed at another link, so that only the address's counter can lock.
    for i in range(start, start + n):
        client.post(reverse("espace_jeune:code"), {"code": f"{i}-abcdefabcdef"}, REMOTE_ADDR=PROXY, **extra)


@pytest.mark.django_db
def test_two_callers_behind_the_proxy_are_counted_apart(settings, lien):
    settings.SAS_TRUSTED_PROXIES = 1
    wrong_codes(Client(), espace_jeune.liens_errones_ip.limit, HTTP_X_FORWARDED_FOR="198.51.100.1")
    locked = Client().post(
        reverse("espace_jeune:code"), {"code": lien.token}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1"
    )
    assert locked.status_code == 429
    # Another young person behind the same proxy gets in.
    response = Client().post(
        reverse("espace_jeune:code"), {"code": lien.token}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.2"
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_without_a_trusted_proxy_the_header_changes_nothing(settings, lien):
    settings.SAS_TRUSTED_PROXIES = 0
    # Forging a new header on every try gains no try.
    for i in range(espace_jeune.liens_errones_ip.limit):
        wrong_codes(Client(), 1, start=7000 + i, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    response = Client().post(
        reverse("espace_jeune:code"), {"code": lien.token}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.2"
    )
    assert response.status_code == 429


# Separate counters


@pytest.mark.django_db
def test_wrong_structure_links_do_not_lock_the_young_people(client, lien):
    for i in range(orientation.liens_errones.limit):
        assert client.get(reverse("orientation:lien", args=[f"faux-{i}"]), REMOTE_ADDR=IP).status_code == 410
    assert client.get(reverse("orientation:lien", args=["faux"]), REMOTE_ADDR=IP).status_code == 410
    assert orientation.liens_errones.exceeded(cle_ip(IP))
    # The young person's page, from that same address, still opens.
    assert client.get(reverse("espace_jeune:page", args=[lien.token]), REMOTE_ADDR=IP).status_code == 200


@pytest.mark.django_db
def test_an_attackers_wrong_codes_do_not_lock_another_young_persons_link(client, lien, territory):
    cible = LienJeune.creer(ParcoursFactory(territory=territory))
    forged = f"{cible.token.partition('-')[0]}-{'0' * 16}"
    for i in range(espace_jeune.liens_errones.limit):
        client.get(reverse("espace_jeune:page", args=[forged]), REMOTE_ADDR=f"198.51.100.{i}")
    # The link aimed at waits for the window; the other young person's opens, from anywhere.
    assert client.get(reverse("espace_jeune:page", args=[cible.token]), REMOTE_ADDR="192.0.2.9").status_code == 429
    for ip in ("198.51.100.0", "192.0.2.9"):
        assert client.get(reverse("espace_jeune:page", args=[lien.token]), REMOTE_ADDR=ip).status_code == 200


# Through the real entry point: two gunicorn servers behind one reverse proxy


@pytest.mark.django_db(transaction=True)
def test_two_gunicorn_processes_behind_a_proxy_hold_one_limit_per_caller(tmp_path, lien):
    """The finding, end to end: counters in each process's memory gave N workers N times the tries, and behind the
    proxy every caller had the proxy's address. Here the wrong links of one caller alternate between two servers
    (one worker each, the same database) and reach the address's limit once; another caller behind the same proxy
    still opens their page."""
    base = base_pour_gunicorn(tmp_path)
    env = {"SAS_TRUSTED_PROXIES": "1"}
    with (
        gunicorn(base, tmp_path / "premier.log", **env) as premier,
        gunicorn(base, tmp_path / "second.log", **env) as second,
    ):
        serveurs = [premier, second]
        limite = espace_jeune.liens_errones_ip.limit
        for i in range(limite):
            # Each names another link: only the caller's address counts them all.
            status, _ = demander(f"{serveurs[i % 2]}/j/{9000 + i}-{'0' * 16}/", **{"X-Forwarded-For": "198.51.100.1"})
            assert status == 410, (i, status)
        for serveur in serveurs:
            status, _ = demander(f"{serveur}/j/{lien.token}/", **{"X-Forwarded-For": "198.51.100.1"})
            assert status == 429, "half the tries in each process: the limit is the total"
            status, _ = demander(f"{serveur}/j/{lien.token}/", **{"X-Forwarded-For": "198.51.100.2"})
            assert status == 200, "the proxy's address is not the caller's"
