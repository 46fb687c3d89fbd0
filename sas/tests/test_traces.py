"""A real gunicorn, started as the Procfile starts it (gunicorn.conf.py) under the production settings, serves the
young person's and a structure's token pages and the SMS webhooks: its access log and Django's log lines name no
token and no secret, and every token page answers with no-store, noindex and the CSP."""

import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from sas.espace_jeune.models import LienJeune
from sas.parcours.factories import ParcoursFactory
from sas.traces import masquer

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_SECRET = "secret-du-fournisseur-" + secrets.token_hex(8)

pytestmark = pytest.mark.django_db(transaction=True)


def _port_libre():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _base_pour_gunicorn(tmp_path):
    """The test database, as the subprocess can open it: PostgreSQL's test database itself, or SQLite's in-memory
    one copied to a file."""
    if connection.vendor == "postgresql":
        reglages = connection.settings_dict
        return f"postgres://{reglages['USER']}:{reglages['PASSWORD']}@{reglages['HOST']}:{reglages['PORT']}/{reglages['NAME']}"
    fichier = tmp_path / "gunicorn.sqlite3"
    destination = sqlite3.connect(fichier)
    connection.ensure_connection()
    connection.connection.backup(destination)
    destination.close()
    return f"sqlite:///{fichier}"


@pytest.fixture
def gunicorn(tmp_path):
    port = _port_libre()
    journal = tmp_path / "gunicorn.log"
    garder = {k: v for k, v in os.environ.items() if k not in {"DJANGO_DEBUG", "SAS_DEMO", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env = {
        **garder,
        "DJANGO_SETTINGS_MODULE": "sas.tests.settings_gunicorn",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": _base_pour_gunicorn(tmp_path),
        "SAS_SMS_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "WEB_CONCURRENCY": "1",
        "PORT": str(port),
    }
    with journal.open("w") as sortie:
        processus = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "sas.wsgi",
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=sortie,
            stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(300):
                with socket.socket() as essai:
                    if essai.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.1)
            yield f"http://127.0.0.1:{port}", journal
        finally:
            processus.terminate()
            processus.wait(timeout=30)


def demander(url, *, methode="GET", corps=None, **entetes):
    # The reverse proxy says the request came over HTTPS (SECURE_PROXY_SSL_HEADER); without it, a redirect.
    entetes = {"X-Forwarded-Proto": "https", **entetes}
    requete = urllib.request.Request(url, data=corps, method=methode, headers=entetes)  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(requete, timeout=30) as reponse:  # noqa: S310 (loopback)
            return reponse.status, reponse.headers
    except urllib.error.HTTPError as erreur:
        return erreur.code, erreur.headers


def test_no_token_nor_secret_in_the_logs_and_token_pages_are_never_stored(gunicorn, tmp_path):
    lien = LienJeune.creer(ParcoursFactory())
    jeton_structure = "structure-" + secrets.token_urlsafe(16)
    base, journal = gunicorn
    pages_a_jeton = [
        f"/j/{lien.token}/",
        f"/j/{lien.token}/pourquoi/",
        f"/diagnostic/j/{lien.token}/synthese/",
        f"/orientation/j/{lien.token}/",
        f"/orientation/s/{jeton_structure}/",
        f"/j/{lien.token}/pas-une-page/",  # a 404: django.request logs its path
    ]
    for chemin in pages_a_jeton:
        status, entetes = demander(base + chemin, Referer=f"{base}/j/{lien.token}/")
        assert status in {200, 302, 404, 410}, (chemin, status)
        assert "no-store" in entetes["Cache-Control"], chemin
        assert "noindex" in entetes["X-Robots-Tag"], chemin
        assert entetes["Referrer-Policy"] == "same-origin", chemin

    status, entetes = demander(base + "/connexion/")
    assert status == 200
    csp = dict(directive.strip().split(" ", 1) for directive in entetes["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'" and csp["default-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert "camera=()" in entetes["Permissions-Policy"] and "geolocation=()" in entetes["Permissions-Policy"]
    assert entetes["Strict-Transport-Security"].startswith("max-age=")
    assert "X-Robots-Tag" not in entetes

    webhook = base + "/messagerie/sms/entrant/"
    corps = b'{"from": "+33699999999", "text": "STOP"}'
    json_ = {"Content-Type": "application/json"}
    assert demander(f"{webhook}?secret={WEBHOOK_SECRET}", methode="POST", corps=corps, **json_)[0] == 403
    assert demander(webhook, methode="POST", corps=corps, **json_, **{"X-Webhook-Secret": WEBHOOK_SECRET})[0] == 200

    time.sleep(0.5)  # the access log line is written after the answer
    texte = journal.read_text()
    assert texte.count('"GET /j/[masqué]/') >= 3, texte
    assert "/orientation/s/[masqué]/" in texte and "secret=[masqué]" in texte
    assert "Not Found: /j/[masqué]/pas-une-page/" in texte
    for secret in (lien.token, jeton_structure, WEBHOOK_SECRET):
        assert secret not in texte, texte


@pytest.mark.parametrize(
    ("ligne", "masquee"),
    [
        ('"GET /j/2-abc123/pourquoi/ HTTP/1.1" 200', '"GET /j/[masqué]/pourquoi/ HTTP/1.1" 200'),
        ("POST /orientation/s/Zx_9-k/accepter/", "POST /orientation/s/[masqué]/accepter/"),
        ("GET /diagnostic/j/2-abc/synthese/", "GET /diagnostic/j/[masqué]/synthese/"),
        ("GET /orientation/j/2-abc/", "GET /orientation/j/[masqué]/"),
        ("POST /messagerie/sms/statut/?a=1&secret=s3cr3t&b=2", "POST /messagerie/sms/statut/?a=1&secret=[masqué]&b=2"),
        # The code form itself and pages that merely look alike keep their address.
        ("GET /j/ HTTP/1.1", "GET /j/ HTTP/1.1"),
        ("GET /admin/jeunes/jeune/ HTTP/1.1", "GET /admin/jeunes/jeune/ HTTP/1.1"),
    ],
)
@pytest.mark.django_db(transaction=False)
def test_the_mask(ligne, masquee):
    assert masquer(ligne) == masquee


@pytest.mark.django_db(transaction=False)
def test_django_log_lines_are_masked(client, caplog):
    with caplog.at_level("WARNING", logger="django.request"):
        client.get("/j/2-secretdujeune/nulle-part/")
    assert "Not Found: /j/[masqué]/nulle-part/" in caplog.text and "secretdujeune" not in caplog.text
