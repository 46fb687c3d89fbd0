"""The narrowest phones (320 px, RGAA 10.11): a prescriber's main pages and the young person's page never scroll
sideways, and the icon buttons keep their visible label."""

import pytest
from django.urls import reverse

from sas.browser_testing import needs_browser
from sas.espace_jeune.models import LienJeune
from sas.organisations.factories import member
from sas.organisations.models import Role
from sas.parcours.factories import ParcoursFactory, SignalementFactory

pytestmark = [needs_browser, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 320
SCROLL_WIDTH = "document.documentElement.scrollWidth"


@pytest.fixture
def narrow(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": WIDTH, "height": 640})
    yield context.new_page()
    context.close()


@pytest.fixture
def parcours(territory, ase):
    parcours = ParcoursFactory(territory=territory, jeune__prenom="Inès", jeune__telephone="+33612345678")
    SignalementFactory(parcours=parcours, organisation=ase, motif="Fin de prise en charge ASE à la majorité")
    return parcours


def test_a_prescriber_s_main_pages_fit_a_320px_phone(narrow, log_in, live_server, ase, parcours):
    log_in(narrow, member(Role.PRESCRIPTEUR, ase))
    pages = [
        reverse("parcours:mes_signalements"),
        reverse("prescription:signaler"),
        reverse("prescription:import_upload"),
        reverse("prescription:statistiques"),
        reverse("api:jetons"),
        reverse("parcours:detail", args=[parcours.uuid]),
    ]
    widths = {}
    for url in pages:
        narrow.goto(live_server.url + url)
        widths[url] = narrow.evaluate(SCROLL_WIDTH)
    assert len(widths) == len(pages)
    assert {url: width for url, width in widths.items() if width > WIDTH} == {}

    # An icon-only DSFR button is 40 px wide at most; with its label it is wider and its text is not clipped.
    for url, name in [
        (reverse("parcours:mes_signalements"), "Signaler un jeune"),
        (reverse("prescription:import_upload"), "Modèle Excel (.xlsx)"),
        (reverse("prescription:import_upload"), "Modèle CSV"),
    ]:
        narrow.goto(live_server.url + url)
        button = narrow.locator("main").get_by_role("link", name=name, exact=True)
        assert button.bounding_box()["width"] > 40
        assert button.evaluate("b => b.scrollWidth <= b.clientWidth")


def test_the_young_person_s_page_fits_a_320px_phone(narrow, live_server, parcours):
    narrow.goto(live_server.url + reverse("espace_jeune:page", args=[LienJeune.creer(parcours).token]))
    narrow.get_by_role("heading", level=1, name="Bonjour Inès").wait_for()
    assert narrow.evaluate(SCROLL_WIDTH) <= WIDTH
