"""The young person's probable rights in a real browser (Debian's Chromium) on a 360 px phone, checked with axe."""

import pytest
from django.urls import reverse

from sas.browser_testing import needs_browser, on_first_screen, serious_violations
from sas.droits import services
from sas.espace_jeune.models import LienJeune
from sas.espace_jeune.testing import verifier_dans_le_navigateur

pytestmark = [
    needs_browser,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # A transactional test empties the tables: the questionnaire published by a migration is published again.
    pytest.mark.usefixtures("questionnaire_publie"),
]

FITS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
AXE = ("moderate", "serious", "critical")


@pytest.mark.parametrize("largeur", [360, 1280])
def test_the_rights_stay_folded_under_the_main_action_and_open_readable(
    live_server, browser, openfisca, diagnostic_de, maintenant, largeur
):
    diagnostic = diagnostic_de(27, logement_statut="locataire_vide", loyer="450", foyer_fiscal_impot="non_imposable")
    services.estimer(diagnostic, at=maintenant)
    lien = LienJeune.creer(diagnostic.parcours)
    page = browser.new_context(locale="fr-FR", viewport={"width": largeur, "height": 640}).new_page()
    page.goto(live_server.url + reverse("espace_jeune:droits", args=[lien.token]))
    verifier_dans_le_navigateur(page, diagnostic.parcours.jeune)
    page.get_by_text("Vous y avez probablement droit").first.wait_for(timeout=10_000)
    assert serious_violations(page, AXE) == [] and page.evaluate(FITS)

    page.goto(live_server.url + reverse("espace_jeune:page", args=[lien.token]))
    assert on_first_screen(page, page.locator("#maintenant"))
    fold = page.get_by_role("button", name="Les aides auxquelles vous avez peut-être droit")
    assert fold.get_attribute("aria-expanded") == "false"
    fold.click()
    page.get_by_text("C'est une estimation, pas une décision").wait_for(timeout=5000)
    page.mouse.move(0, 0)
    assert serious_violations(page, AXE) == [] and page.evaluate(FITS)
    page.context.close()
