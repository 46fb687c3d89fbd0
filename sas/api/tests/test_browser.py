"""A prescriber manages the API tokens in a real browser (Debian's Chromium), on a 320 px wide screen."""

import pytest

from sas.api.models import ApiToken, hash_token
from sas.browser_testing import needs_browser, serious_violations
from sas.organisations.factories import member
from sas.organisations.models import Role

pytestmark = [needs_browser, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(telephone):
    return telephone


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_prescriber_creates_copies_and_revokes_a_token(log_in, live_server, page, organisation):
    user = member(Role.PRESCRIPTEUR, organisation)
    log_in(page, user, next_url="/api/jetons/")
    page.get_by_role("heading", level=1, name="Accès à l'API").wait_for(timeout=5000)
    assert serious_violations(page) == []
    assert fits_the_screen(page)

    page.get_by_label("Nom du jeton").fill("Logiciel de suivi")
    page.get_by_role("button", name="Créer le jeton").click()
    page.get_by_role("heading", level=1, name="Jeton « Logiciel de suivi » créé").wait_for(timeout=5000)
    clear = page.get_by_label("Jeton d'API de ASE 69").input_value()
    assert ApiToken.objects.get().hashed == hash_token(clear)
    assert serious_violations(page) == []
    assert fits_the_screen(page)

    page.get_by_role("link", name="Retour aux jetons").click()
    page.get_by_role("button", name="Révoquer le jeton Logiciel de suivi").click()
    page.get_by_text("est révoqué").wait_for(timeout=5000)
    assert ApiToken.objects.get().revoked_at is not None
    assert serious_violations(page) == []
