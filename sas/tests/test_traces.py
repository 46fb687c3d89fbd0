"""A real gunicorn, started as the Procfile starts it (gunicorn.conf.py) under the production settings, serves the
young person's and a structure's token pages and the SMS webhooks: its access log and Django's log lines name no
token and no secret, and every token page answers with no-store, noindex and the CSP."""

import secrets
import time

import pytest

from sas.espace_jeune.models import LienJeune
from sas.parcours.factories import ParcoursFactory
from sas.tests.serveur_gunicorn import base_pour_gunicorn, demander
from sas.tests.serveur_gunicorn import gunicorn as serveur
from sas.traces import masquer

WEBHOOK_SECRET = "secret-du-fournisseur-" + secrets.token_hex(8)

pytestmark = pytest.mark.django_db(transaction=True)


def test_no_token_nor_secret_in_the_logs_and_token_pages_are_never_stored(tmp_path):
    # Before the server starts: on SQLite it serves a copy of the test database.
    lien = LienJeune.creer(ParcoursFactory())
    jeton_structure = "structure-" + secrets.token_urlsafe(16)
    journal = tmp_path / "gunicorn.log"
    with serveur(base_pour_gunicorn(tmp_path), journal, SAS_SMS_WEBHOOK_SECRET=WEBHOOK_SECRET) as base:
        _demander_tout(base, lien, jeton_structure)
    texte = journal.read_text()
    assert texte.count('"GET /j/[masqué]/') >= 3, texte
    assert "/orientation/s/[masqué]/" in texte and "secret=[masqué]" in texte
    assert "Not Found: /j/[masqué]/pas-une-page/" in texte
    for secret in (lien.token, jeton_structure, WEBHOOK_SECRET):
        assert secret not in texte, texte


def _demander_tout(base, lien, jeton_structure):
    pages_a_jeton = [
        f"/j/{lien.token}/",
        f"/j/{lien.token}/pourquoi/",
        f"/diagnostic/j/{lien.token}/synthese/",
        f"/orientation/j/{lien.token}/",
        f"/orientation/s/{jeton_structure}/",
        f"/j/{lien.token}/pas-une-page/",  # a 404: django.request logs its path
    ]
    statuts = {}
    for chemin in pages_a_jeton:
        status, entetes = demander(base + chemin, Referer=f"{base}/j/{lien.token}/")
        statuts[chemin] = status
        assert "no-store" in entetes["Cache-Control"], chemin
        assert "noindex" in entetes["X-Robots-Tag"], chemin
        assert entetes["Referrer-Policy"] == "same-origin", chemin
    # The young person's own page, served for real: the headers are those of a page showing them their data.
    assert statuts[f"/j/{lien.token}/"] == 200 and statuts[f"/orientation/s/{jeton_structure}/"] == 410

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
