"""The login's own pages in a real browser (Debian's Chromium), checked with axe."""

import pytest
from django.conf import settings
from django.test import Client

from sas.browser_testing import needs_browser, serious_violations
from sas.connexion.testing import appareil, code_actuel
from sas.organisations.factories import member
from sas.organisations.models import Role

pytestmark = [needs_browser, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit_login(page, live_server, user):
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse électronique").fill(user.email)
    page.get_by_label("Mot de passe").fill("motdepasse-de-test")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def test_a_locked_account_reads_why_in_french(live_server, page):
    user = member(Role.PRESCRIPTEUR)
    for n in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/connexion/", {"username": user.email, "password": f"mauvais-{n}"})
    submit_login(page, live_server, user)
    page.get_by_role("heading", level=2, name="Trop de tentatives de connexion").wait_for(timeout=5000)
    assert "/connexion/" in page.url and "Mes signalements" not in page.content()
    assert serious_violations(page) == []


def test_staff_give_their_code_then_reach_the_admin(live_server, page):
    admin = member(Role.ADMIN)
    device = appareil(admin)
    submit_login(page, live_server, admin)
    page.get_by_role("heading", level=1, name="Code de connexion").wait_for(timeout=5000)
    assert serious_violations(page) == []
    page.get_by_label("Code à 6 chiffres").fill(code_actuel(device))
    page.get_by_role("button", name="Valider").click()
    page.get_by_role("heading", level=1, name="Site d’administration").wait_for(timeout=5000)


def test_the_forgotten_password_pages(live_server, page):
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_role("link", name="Mot de passe oublié").click()
    page.get_by_role("heading", level=1, name="Mot de passe oublié").wait_for(timeout=5000)
    assert serious_violations(page) == []
    page.get_by_label("Adresse électronique de votre compte").fill("personne@example.org")
    page.get_by_role("button", name="Recevoir le lien").click()
    page.get_by_role("heading", level=1, name="Vérifiez votre messagerie").wait_for(timeout=5000)
    assert serious_violations(page) == []
