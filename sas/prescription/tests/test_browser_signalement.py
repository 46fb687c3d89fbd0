"""A prescriber signals a young person in a real browser in under 10 interactions; the aiguilleur sees them."""

import datetime

import pytest
from django.utils import timezone

from sas.browser_testing import serious_violations
from sas.communes.factories import CommuneFactory
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours import transitions
from sas.parcours.factories import SignalementFactory
from sas.parcours.models import Signalement
from sas.parcours.status import Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_signal_in_under_ten_interactions_then_seen_in_the_queue(log_in, live_server, page):
    villeurbanne = CommuneFactory(code_insee="69266", nom="Villeurbanne", codes_postaux="69100")
    territory = TerritoryFactory(communes=[villeurbanne])
    prescriber = member(Role.PRESCRIPTEUR, OrganisationFactory(territory=territory, kind=OrganisationKind.SPIP))
    aiguilleur = member(Role.AIGUILLEUR, territory=territory)
    birth = (timezone.localdate() - datetime.timedelta(days=20 * 365)).isoformat()

    page.goto(f"{live_server.url}/connexion/")
    interactions = 0

    def act(action):
        nonlocal interactions
        interactions += 1
        action()

    act(lambda: page.get_by_label("Adresse électronique").fill(prescriber.email))
    act(lambda: page.get_by_label("Mot de passe").fill("motdepasse-de-test"))
    act(lambda: page.get_by_role("button", name="Se connecter").click())
    act(lambda: page.get_by_role("link", name="Signaler un jeune").first.click())
    assert serious_violations(page) == []
    act(lambda: page.get_by_label("Prénom du jeune").fill("Moussa"))
    act(lambda: page.get_by_label("Téléphone").fill("06 12 34 56 78"))
    act(lambda: page.get_by_label("Commune où vit le jeune").fill("Villeurbanne"))
    act(lambda: page.get_by_label("Date de naissance").fill(birth))
    act(lambda: page.get_by_role("button", name="Envoyer le signalement").click())
    page.get_by_text("Signalement de Moussa enregistré").wait_for(timeout=5000)
    assert interactions < 10
    assert Signalement.objects.get().parcours.jeune.commune_id == "69266"

    page.context.clear_cookies()
    log_in(page, aiguilleur)
    page.get_by_role("heading", level=1, name="File active du territoire").wait_for(timeout=5000)
    assert page.get_by_role("link", name="Moussa").count() >= 1


def test_the_prescriber_follows_the_stages_from_mes_signalements_to_the_journey_page(log_in, live_server, page):
    territory = TerritoryFactory()
    organisation = OrganisationFactory(territory=territory, kind=OrganisationKind.ASE)
    prescriber = member(Role.PRESCRIPTEUR, organisation)
    parcours = SignalementFactory(
        organisation=organisation, parcours__territory=territory, parcours__jeune__prenom="Lina"
    ).parcours
    for status in (Status.A_CONTACTER, Status.CONTACT_EN_COURS):
        transitions.transition(parcours, status)
    transitions.transition(parcours, Status.INJOIGNABLE, reason="Numéro attribué à quelqu'un d'autre")

    log_in(page, prescriber)
    page.get_by_role("heading", level=1, name="Mes signalements").wait_for(timeout=5000)
    assert serious_violations(page) == []
    page.get_by_role("link", name="Lina").click()
    page.get_by_role("heading", level=1, name="Parcours de Lina").wait_for(timeout=5000)
    assert serious_violations(page) == []
    stages = page.get_by_role("heading", name="Étapes").locator("xpath=following-sibling::ol[1]/li")
    assert stages.count() == 4 and "Le jeune n'a pas pu être joint" in stages.nth(3).inner_text()
    assert "Numéro attribué" not in page.content()
