import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, TransactionTestCase
from django.test.utils import CaptureQueriesContext

from sas.audit.ajout_seul import autoriser_purge
from sas.connexion.services import second_facteur_obligatoire
from sas.connexion.testing import appareil, code_actuel, session_verifiee
from sas.diagnostic.chargement import publier
from sas.diagnostic.models import Questionnaire
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role

# Playwright's sync API runs an event loop in the test thread; the ORM calls made there stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

_vider_la_base = TransactionTestCase._fixture_teardown


def _vider_la_base_en_purge(self):
    """Transactional tests empty the database after them: SQLite does it with DELETE, which the append-only
    triggers refuse outside a purge (PostgreSQL's TRUNCATE does not fire them)."""
    with autoriser_purge():
        _vider_la_base(self)


TransactionTestCase._fixture_teardown = _vider_la_base_en_purge


class ClientConnecte(Client):
    """The test client, whose force_login() stands for a whole login: the second factor too, for those who need one
    (tests of the second factor itself use django.test.Client)."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        if second_facteur_obligatoire(user):
            session_verifiee(self, user)


@pytest.fixture
def client():
    return ClientConnecte()


@pytest.fixture
def empty_cache(db):
    """The rate limits live in the cache: tests that open many links or post many forms start and end without any."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def count_queries(client):
    """Number of SQL queries a GET of `url` makes, for pinning list pages against N+1."""

    def count(url):
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert response.status_code == 200
        return len(context.captured_queries)

    return count


# The people and organisations most tests start from: one territory, its SAS team, a counsellor of the team and a
# prescribing ASE (the UserFactory names every user Camille).


@pytest.fixture
def territory(db):
    return TerritoryFactory(nom="Métropole de Lyon")


def _organisation_of_the_territory(kind, nom):
    @pytest.fixture
    def organisation(territory):
        return OrganisationFactory(territory=territory, kind=kind, nom=nom)

    return organisation


def _member_of(organisation, role):
    """A fixture of one `role` member of the organisation that the fixture named `organisation` gives."""

    @pytest.fixture
    def user(request):
        return member(role, request.getfixturevalue(organisation))

    return user


equipe = _organisation_of_the_territory(OrganisationKind.EQUIPE_SAS, "Équipe SAS Lyon")
aiguilleur = _member_of("equipe", Role.AIGUILLEUR)
ase = _organisation_of_the_territory(OrganisationKind.ASE, "ASE du Rhône")
prescripteur = _member_of("ase", Role.PRESCRIPTEUR)


@pytest.fixture
def questionnaire_publie():
    """Transactional tests flush the questionnaire that the data migration published: publish it again."""
    publier(Questionnaire, wet_run=True)


@pytest.fixture(scope="module")
def communes_reference(django_db_setup, django_db_blocker):
    """The real INSEE reference, loaded once for a test module and removed after it."""
    from sas.communes.models import Commune, Departement, Epci, Region
    from sas.communes.services import import_communes

    with django_db_blocker.unblock():
        import_communes(wet_run=True)
        yield
        Commune.objects.all().delete()
        Departement.objects.all().delete()
        Epci.objects.all().delete()
        Region.objects.all().delete()


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on localhost; Django sends to it. Yields the list of received messages."""
    import email
    import socket

    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    yield received
    controller.stop()


@pytest.fixture(autouse=True)
def no_csp_violation(request):
    """Every browser test runs with the production CSP on and fails if Chromium refused anything because of it."""
    if request.node.get_closest_marker("browser") is None:
        yield
        return
    from sas.browser_testing import CSP_VIOLATIONS

    CSP_VIOLATIONS.clear()
    yield
    assert CSP_VIOLATIONS == []


class FauxFournisseur:
    """A local HTTP server standing in for the SMS provider (Brevo's transactional SMS shape).

    `script` holds what the next requests get: "ok", an HTTP status (500, 400…), "lent" (accepts the SMS, then
    answers too late for the client's timeout). Like the provider's idempotency, a second request with a tag
    already accepted is answered with the first messageId and delivers nothing."""

    def __init__(self):
        self.requetes = []
        self.livraisons = []
        self.ids = {}
        self.script = []
        self.liberer = threading.Event()
        self.verrou = threading.Lock()

    def livrees(self, tag):
        return self.livraisons.count(tag)

    def _accepter(self, tag):
        with self.verrou:
            if tag not in self.ids:
                self.ids[tag] = str(1000 + len(self.ids))
                self.livraisons.append(tag)
            return self.ids[tag]

    def repondre(self, handler):
        longueur = int(handler.headers.get("content-length") or 0)
        corps = json.loads(handler.rfile.read(longueur) or b"{}")
        with self.verrou:
            entetes = {cle.lower(): valeur for cle, valeur in handler.headers.items()}
            self.requetes.append({"headers": entetes, "json": corps, "path": handler.path})
            comportement = self.script.pop(0) if self.script else "ok"
        if comportement == "lent":
            self._accepter(corps.get("tag"))
            self.liberer.wait(10)
            comportement = "ok"
        if comportement == "ok":
            status, reponse = 201, {"reference": "ref", "messageId": self._accepter(corps.get("tag"))}
        elif comportement == 400:
            status, reponse = 400, {"code": "invalid_parameter", "message": "Invalid phone number for recipient"}
        else:
            status, reponse = comportement, {"code": "error", "message": "Internal error"}
        octets = json.dumps(reponse).encode()
        try:
            handler.send_response(status)
            handler.send_header("content-type", "application/json")
            handler.send_header("content-length", str(len(octets)))
            handler.end_headers()
            handler.wfile.write(octets)
        except OSError:
            pass  # the client gave up (timeout) before the answer


@pytest.fixture
def fournisseur_sms(settings):
    """Starts the fake provider and points settings at it (SAS_SMS_PROVIDER="http")."""
    faux = FauxFournisseur()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            faux.repondre(self)

        def log_message(self, *args):
            pass

    serveur = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    serveur.daemon_threads = True
    thread = threading.Thread(target=serveur.serve_forever, daemon=True)
    thread.start()
    settings.SAS_SMS_PROVIDER = "http"
    settings.SAS_SMS_API_URL = f"http://127.0.0.1:{serveur.server_address[1]}/v3/transactionalSMS/sms"
    settings.SAS_SMS_API_KEY = "cle-api-de-test"
    settings.SAS_SMS_TIMEOUT = 2
    yield faux
    faux.liberer.set()
    serveur.shutdown()
    serveur.server_close()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, started once per test module (some tests drive their own Playwright)."""
    from playwright.sync_api import sync_playwright

    from sas.browser_testing import launch

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR")
    yield context.new_page()
    context.close()


@pytest.fixture
def telephone(browser):
    """A page on a 320 px wide phone, the narrowest screen the pages must fit."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 320, "height": 640})
    yield context.new_page()
    context.close()


@pytest.fixture
def log_in(live_server):
    """log_in(page, user, next_url=""): sign `user` in through the login form (every test user's password)."""

    def sign_in(page, user, next_url=""):
        page.goto(f"{live_server.url}/connexion/" + (f"?next={next_url}" if next_url else ""))
        page.get_by_label("Adresse électronique").fill(user.email)
        page.get_by_label("Mot de passe").fill("motdepasse-de-test")
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()
        if second_facteur_obligatoire(user):
            page.get_by_label("Code à 6 chiffres").fill(code_actuel(appareil(user)))
            page.get_by_role("button", name="Valider").click()
            page.wait_for_load_state()
        return page

    return sign_in
