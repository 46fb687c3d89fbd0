import pytest
from django.urls import reverse

from sas.accueil.demo import DEMO_PASSWORD
from sas.organisations.factories import TerritoryFactory, member
from sas.organisations.models import Role

pytestmark = pytest.mark.django_db


def test_public_home_presents_the_service_and_its_territories(client):
    TerritoryFactory(nom="Rhône et Métropole de Lyon")
    html = client.get(reverse("accueil:home")).content.decode()
    assert "Rhône et Métropole de Lyon (1 communes)" in html
    assert "Accès professionnels" in html


@pytest.mark.parametrize(
    ("role", "target"),
    [
        (Role.PRESCRIPTEUR, "parcours:mes_signalements"),
        (Role.AIGUILLEUR, "parcours:file_active"),
        (Role.STRUCTURE, "orientation:recues"),
        (Role.PILOTE, "pilotage:tableau_de_bord"),
        (Role.ADMIN, "admin:index"),
    ],
)
def test_home_sends_each_role_to_its_page(client, role, target):
    client.force_login(member(role))
    assert client.get(reverse("accueil:home")).url == reverse(target)


def test_navigation_shows_only_the_pages_of_the_user_roles(client):
    user = member(Role.PRESCRIPTEUR)
    client.force_login(user)
    html = client.get(reverse("parcours:mes_signalements")).content.decode()
    assert "Mes signalements" in html and "File active" not in html and "Indicateurs" not in html
    assert f'href="{reverse("api:jetons")}"' in html


@pytest.mark.parametrize("role", [Role.AIGUILLEUR, Role.STRUCTURE, Role.PILOTE])
def test_only_prescribers_see_the_api_tokens_page_in_their_navigation(client, role):
    client.force_login(member(role))
    html = client.get(reverse("accueil:home"), follow=True).content.decode()
    assert f'href="{reverse("api:jetons")}"' not in html


@pytest.mark.parametrize("demo", [True, False])
def test_demo_accounts_are_shown_on_the_login_page_only_in_demo_mode(client, settings, demo):
    settings.SAS_DEMO = demo
    html = client.get(reverse("login")).content.decode()
    assert ("aiguilleur@demo.sas.localhost" in html) is demo
    assert (DEMO_PASSWORD in html) is demo


def test_login_by_email_and_logout(client):
    user = member(Role.AIGUILLEUR)
    response = client.post(reverse("login"), {"username": user.email, "password": "motdepasse-de-test"})
    assert response.url == reverse("accueil:home")
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_wrong_password_gets_a_french_error(client):
    user = member(Role.AIGUILLEUR)
    html = client.post(reverse("login"), {"username": user.email, "password": "faux"}).content.decode()
    assert "Adresse électronique ou mot de passe incorrect." in html
