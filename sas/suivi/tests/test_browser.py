"""In a real browser, on a 360 px phone: the young person answers their check-in one tap at a time, the structure
answers through its link; axe finds no serious violation and nothing overflows."""

import pytest
from django.urls import reverse
from django.utils import timezone

from sas.browser_testing import needs_browser, on_first_screen, serious_violations
from sas.espace_jeune.testing import verifier_dans_le_navigateur
from sas.messagerie.models import Message
from sas.organisations.factories import member
from sas.organisations.models import Role
from sas.suivi import services
from sas.suivi.models import ActorKind

from .conftest import envoyer_courriels_structure

WAIT = 30_000
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("questionnaire_publie"),
]
TELEPHONE = {"width": 360, "height": 740}


@needs_browser
def test_the_check_in_on_a_phone(live_server, browser, settings, pris_en_charge_il_y_a_un_mois, smtp_server):
    settings.SAS_SITE_URL = live_server.url
    services.avancer()
    point = pris_en_charge_il_y_a_un_mois.suivis.get().points.get(mois=1)

    young = browser.new_context(locale="fr-FR", viewport=TELEPHONE).new_page()
    young.goto(Message.objects.get(gabarit="point_etape").lien.url)
    bouton = young.get_by_role("link", name="Répondre")
    assert on_first_screen(young, bouton)
    bouton.click()
    verifier_dans_le_navigateur(young, pris_en_charge_il_y_a_un_mois.jeune, timeout=WAIT)
    young.get_by_text("Êtes-vous toujours accompagné·e par Foyer jeunes travailleurs").wait_for(timeout=WAIT)
    assert serious_violations(young) == []
    assert young.evaluate("document.documentElement.scrollWidth") <= TELEPHONE["width"]
    young.get_by_role("button", name="Oui, toujours").click()
    young.get_by_text("Est-ce que cet accompagnement vous aide").wait_for(timeout=WAIT)
    young.get_by_role("button", name="Un peu").click()
    young.get_by_role("button", name="Non, ça va").click()
    young.get_by_text("Vos réponses sont notées").wait_for(timeout=WAIT)
    assert serious_violations(young) == []
    assert services.reponses(point, ActorKind.JEUNE) == {"accompagne": "oui", "utile": "un_peu", "besoin": "non"}

    (token,) = envoyer_courriels_structure(timezone.now(), smtp_server)
    structure = browser.new_context(locale="fr-FR", viewport=TELEPHONE).new_page()
    structure.goto(services.lien_url(token))
    structure.get_by_role("heading", level=1, name="Point d'étape à 1 mois").wait_for(timeout=WAIT)
    assert serious_violations(structure) == []
    assert structure.evaluate("document.documentElement.scrollWidth") <= TELEPHONE["width"]
    structure.get_by_role("button", name="Oui, toujours").click()
    structure.get_by_text("Merci, votre réponse est notée").wait_for(timeout=WAIT)
    assert services.reponses(point, ActorKind.STRUCTURE) == {"accompagne": "oui"}


@needs_browser
def test_the_structure_answers_from_its_account_on_a_phone_and_a_desktop(
    log_in, live_server, browser, pris_en_charge_il_y_a_un_mois, accueil
):
    services.avancer()
    point = pris_en_charge_il_y_a_un_mois.suivis.get().points.get(mois=1)
    membre = member(Role.STRUCTURE, accueil)
    for viewport in (TELEPHONE, {"width": 1280, "height": 800}):
        page = log_in(browser.new_context(locale="fr-FR", viewport=viewport).new_page(), membre)
        page.goto(f"{live_server.url}{reverse('suivi:points_recus')}")
        page.get_by_role("heading", level=1, name="Points d'étape").wait_for(timeout=WAIT)
        assert serious_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.get_by_role("button", name="Oui, toujours").click()
    page.get_by_text("Merci, votre réponse est notée").wait_for(timeout=WAIT)
    assert serious_violations(page) == []
    assert services.reponses(point, ActorKind.STRUCTURE) == {"accompagne": "oui"}
