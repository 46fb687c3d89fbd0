"""In a real browser: diagnostic done → ranked proposals with reasons → the young person's choice on a phone →
a receiver without an account opens the magic link, accepts, sets the first meeting → take-up confirmed; the
prescriber sees "pris en charge". axe finds no serious violation on those pages."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from sas.browser_testing import needs_browser, on_first_screen, serious_violations
from sas.espace_jeune.models import LienJeune
from sas.espace_jeune.testing import verifier_dans_le_navigateur
from sas.orientation import services
from sas.orientation.models import EventKind, Orientation, OrientationStatus
from sas.parcours.status import Status

WAIT = 30_000
AXE = ("moderate", "serious", "critical")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("questionnaire_publie"),
]


@needs_browser
def test_from_the_diagnostic_to_a_confirmed_take_up(
    log_in, live_server, browser, settings, parcours, aiguilleur, prescripteur, smtp_server
):
    settings.SAS_SITE_URL = live_server.url
    counsellor = log_in(browser.new_context(locale="fr-FR").new_page(), aiguilleur)
    counsellor.goto(f"{live_server.url}/parcours/{parcours.uuid}/")
    counsellor.get_by_role("link", name="Services proposés, choix du jeune et suivi des orientations").click()
    counsellor.get_by_role("heading", name="Services classés pour Inès").wait_for(timeout=WAIT)
    assert serious_violations(counsellor) == []
    assert "couvre logement et hébergement (pas mobilité) · à 0,0 km, en présentiel · gratuit" in counsellor.content()
    counsellor.locator("label", has_text="1. Logement temporaire").click()
    counsellor.locator("label", has_text="2. Conseil mobilité").click()
    counsellor.get_by_role("button", name="Proposer au jeune").click()
    counsellor.get_by_text("Services proposés : le jeune les voit sur sa page").wait_for(timeout=WAIT)

    young = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 740}).new_page()
    young.goto(LienJeune.creer(parcours).url)
    young.get_by_role("link", name="Voir et choisir").click()
    verifier_dans_le_navigateur(young, parcours.jeune, timeout=WAIT)
    young.get_by_role("heading", name="Choisissez celle qui vous convient").wait_for(timeout=WAIT)
    assert serious_violations(young) == []
    assert young.evaluate("document.documentElement.scrollWidth") <= 360
    young.get_by_role("button", name="Je choisis ce service : Logement temporaire").click()
    young.get_by_text("C'est envoyé à Foyer jeunes travailleurs").wait_for(timeout=WAIT)
    assert serious_violations(young) == []

    (mail,) = smtp_server
    receiver = browser.new_context(locale="fr-FR").new_page()
    receiver.goto(re.search(r"http://\S+/orientation/s/[\w-]+/", mail.get_content()).group(0))
    receiver.get_by_role("heading", level=1, name="Orientation de Inès").wait_for(timeout=WAIT)
    assert serious_violations(receiver) == []
    receiver.get_by_role("button", name="Accepter l'orientation").click()
    receiver.get_by_text("Orientation acceptée").wait_for(timeout=WAIT)
    assert serious_violations(receiver) == []
    met = timezone.localtime() - datetime.timedelta(hours=2)
    receiver.get_by_label("Date et heure du premier rendez-vous").fill(met.strftime("%Y-%m-%dT%H:%M"))
    receiver.get_by_role("button", name="Enregistrer le premier rendez-vous").click()
    receiver.get_by_role("button", name="Confirmer la prise en charge").click()
    receiver.get_by_role("heading", name="Orientation terminée").wait_for(timeout=WAIT)

    orientation = Orientation.objects.get()
    assert orientation.status == OrientationStatus.PRISE_EN_CHARGE
    parcours.refresh_from_db()
    assert parcours.status == Status.PRIS_EN_CHARGE

    follower = log_in(browser.new_context(locale="fr-FR").new_page(), prescripteur)
    follower.goto(live_server.url + reverse("parcours:mes_signalements"))
    assert "Pris en charge" in follower.content()


@needs_browser
def test_withdrawing_consent_on_a_phone_and_with_the_counsellor(
    log_in, live_server, browser, settings, parcours, aiguilleur, smtp_server
):
    settings.SAS_SITE_URL = live_server.url
    counsellor = log_in(browser.new_context(locale="fr-FR").new_page(), aiguilleur)
    counsellor.goto(f"{live_server.url}/parcours/{parcours.uuid}/")
    counsellor.get_by_role("link", name="Le jeune retire son consentement").click()
    counsellor.get_by_role("heading", level=1, name="Retrait du consentement de Inès").wait_for(timeout=WAIT)
    assert serious_violations(counsellor) == []

    young = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 740}).new_page()
    young.goto(LienJeune.creer(parcours).url)
    # Folded on the young person's page: the section opens first.
    young.get_by_role("button", name="Retirer mon accord").click()
    young.get_by_role("link", name="Retirer mon accord").click()
    young.get_by_role("heading", level=1, name="Retirer mon accord").wait_for(timeout=WAIT)
    assert serious_violations(young) == []
    assert young.evaluate("document.documentElement.scrollWidth") <= 360
    young.locator("label", has_text="Je confirme que je retire mon accord").click()
    young.get_by_role("button", name="Retirer mon accord").click()
    young.get_by_role("heading", level=1, name="Votre accord est retiré").wait_for(timeout=WAIT)
    assert serious_violations(young) == []
    parcours.refresh_from_db()
    assert parcours.status == Status.CONSENTEMENT_RETIRE


@needs_browser
def test_on_a_360x640_phone_choosing_a_service_then_answering_the_follow_up_come_first(
    live_server, browser, settings, parcours, aiguilleur, smtp_server
):
    settings.SAS_SITE_URL = live_server.url
    services.proposer(parcours, services.classer(parcours), actor=aiguilleur)
    young = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 640}).new_page()
    young.goto(LienJeune.creer(parcours).url)
    choose = young.get_by_role("link", name="Voir et choisir")
    assert on_first_screen(young, choose)
    assert serious_violations(young, AXE) == []
    choose.click()
    verifier_dans_le_navigateur(young, parcours.jeune, timeout=WAIT)
    young.get_by_role("heading", name="Choisissez celle qui vous convient").wait_for(timeout=WAIT)
    assert serious_violations(young, AXE) == []
    assert young.evaluate("document.documentElement.scrollWidth") <= 360
    young.get_by_role("button", name="Je choisis ce service : Logement temporaire").click()
    young.get_by_text("C'est envoyé à Foyer jeunes travailleurs").wait_for(timeout=WAIT)

    # The structure accepts and the first meeting takes place: then the page asks whether it did.
    orientation = Orientation.objects.get()
    services.accepter(orientation)
    services.fixer_rdv(orientation, timezone.now() - datetime.timedelta(hours=2))
    young.goto(LienJeune.creer(parcours).url)
    answer = young.get_by_role("link", name="Répondre")
    assert on_first_screen(young, answer)
    assert serious_violations(young, AXE) == []
    answer.click()
    young.get_by_role("group", name="Avez-vous rencontré Foyer jeunes travailleurs ?").wait_for(timeout=WAIT)
    assert on_first_screen(young, young.get_by_role("button", name="Répondre"))
    young.get_by_text("Oui", exact=True).click()
    young.get_by_role("button", name="Répondre").click()
    young.get_by_text("Merci, votre réponse est enregistrée.").wait_for(timeout=WAIT)
    assert serious_violations(young, AXE) == []
    young.context.close()
    assert orientation.events.filter(kind=EventKind.RENCONTRE_JEUNE).get().detail == {"rencontre": True}
