"""Each role logs in through a real browser (Debian's Chromium) and gets an accessible home page."""

import base64

import pytest
from django_otp.oath import totp

from sas.browser_testing import needs_browser, serious_violations
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours.factories import SignalementFactory

pytestmark = [needs_browser, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


EXPECTED = {
    Role.PRESCRIPTEUR: ("Mes signalements", "Inès"),
    Role.AIGUILLEUR: ("File active du territoire", "Inès"),
    Role.STRUCTURE: ("Orientations reçues", "E2C test"),
    Role.PILOTE: ("Tableau de bord du pilotage", "Territoire navigateur"),
    Role.ADMIN: ("Site d’administration", "Organisations et comptes"),
}


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_logs_in_and_sees_an_accessible_home_page(live_server, page, role):
    territory = TerritoryFactory(nom="Territoire navigateur")
    prescriber = OrganisationFactory(territory=territory, kind=OrganisationKind.ASE)
    SignalementFactory(parcours__territory=territory, parcours__jeune__prenom="Inès", organisation=prescriber)
    structure = OrganisationFactory(territory=territory, kind=OrganisationKind.STRUCTURE_ACCUEIL, nom="E2C test")
    organisation = {Role.PRESCRIPTEUR: prescriber, Role.STRUCTURE: structure}.get(role)
    user = member(role, organisation, territory=territory) if organisation is None else member(role, organisation)

    page.goto(live_server.url)
    assert serious_violations(page) == []
    page.get_by_role("link", name="Accès professionnels").click()
    page.get_by_label("Adresse électronique").fill(user.email)
    page.get_by_label("Mot de passe").fill("motdepasse-de-test")
    page.get_by_role("button", name="Se connecter").click()
    if role == Role.ADMIN:
        # Staff set up their second factor first: the code an application shows for the secret on the page.
        page.get_by_role("heading", level=1, name="Activer la double authentification").wait_for(timeout=5000)
        assert serious_violations(page) == []
        secret = page.locator("#secret").inner_text().replace(" ", "")
        page.get_by_label("Code à 6 chiffres").fill(f"{totp(base64.b32decode(secret)):06d}")
        page.get_by_role("button", name="Activer").click()

    heading, content = EXPECTED[role]
    page.get_by_role("heading", level=1, name=heading).wait_for(timeout=5000)
    assert content in page.content()
    if role != Role.ADMIN:  # Django's own admin is not ours to audit
        assert serious_violations(page) == []
