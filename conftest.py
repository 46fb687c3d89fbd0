import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sas.diagnostic.chargement import publier
from sas.diagnostic.models import Questionnaire
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role

# Playwright's sync API runs an event loop in the test thread; the ORM calls made there stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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


@pytest.fixture
def equipe(territory):
    return OrganisationFactory(territory=territory, kind=OrganisationKind.EQUIPE_SAS, nom="Équipe SAS Lyon")


@pytest.fixture
def aiguilleur(equipe):
    return member(Role.AIGUILLEUR, equipe)


@pytest.fixture
def ase(territory):
    return OrganisationFactory(territory=territory, kind=OrganisationKind.ASE, nom="ASE du Rhône")


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
def log_in(live_server):
    """log_in(page, user, next_url=""): sign `user` in through the login form (every test user's password)."""

    def sign_in(page, user, next_url=""):
        page.goto(f"{live_server.url}/connexion/" + (f"?next={next_url}" if next_url else ""))
        page.get_by_label("Adresse électronique").fill(user.email)
        page.get_by_label("Mot de passe").fill("motdepasse-de-test")
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()
        return page

    return sign_in
