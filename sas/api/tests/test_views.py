import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from sas.api.models import ApiToken, hash_token
from sas.api.views import PAR_PAGE
from sas.organisations.factories import OrganisationFactory, member
from sas.organisations.models import Role

from .utils import URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def prescripteur(organisation):
    return member(Role.PRESCRIPTEUR, organisation)


@pytest.fixture
def logged(client, prescripteur):
    client.force_login(prescripteur)
    return client


def clear_value(html):
    return re.search(r'value="(sas_[^"]+)"', html).group(1)


def test_creating_a_token_shows_its_clear_value_once_and_stores_only_its_hash(logged, organisation, tmp_path):
    response = logged.post(reverse("api:jetons"), {"name": "Logiciel de suivi"})
    html = response.content.decode()
    clear = clear_value(html)
    assert "ne sera plus jamais affiché" in html
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert (token.organisation, token.name, token.hashed) == (organisation, "Logiciel de suivi", hash_token(clear))
    assert clear[:12] == token.prefix
    # Nowhere in the database, sessions included.
    dump = tmp_path / "dump.json"
    call_command("dumpdata", output=str(dump), verbosity=0)
    assert clear not in dump.read_text()
    assert clear[12:] not in dump.read_text()
    listing = logged.get(reverse("api:jetons")).content.decode()
    assert "Logiciel de suivi" in listing and token.prefix in listing
    assert clear not in listing
    # The new token works.
    assert Client().get(URL, headers={"Authorization": f"Bearer {clear}"}).status_code == 200


def test_a_name_is_required(logged):
    response = logged.post(reverse("api:jetons"), {"name": ""})
    assert "Ce champ est obligatoire" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_a_token_stops_it_at_once(logged, organisation):
    token, clear = ApiToken.issue(organisation, "Ancien logiciel")
    response = logged.post(reverse("api:revoquer", args=[token.pk]), follow=True)
    assert "est révoqué" in response.content.decode()
    assert "Révoqué le" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client().get(URL, headers={"Authorization": f"Bearer {clear}"}).status_code == 401


def test_another_organisations_token_is_neither_listed_nor_revocable(logged):
    foreign, _ = ApiToken.issue(OrganisationFactory(), "Jeton d'ailleurs")
    assert "Jeton d'ailleurs" not in logged.get(reverse("api:jetons")).content.decode()
    assert logged.post(reverse("api:revoquer", args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_a_prescriber_of_several_organisations_chooses_which_one(client, organisation):
    other = OrganisationFactory(nom="Mission locale du Nord")
    user = member(Role.PRESCRIPTEUR, organisation)
    user.memberships.create(organisation=other, role=Role.PRESCRIPTEUR)
    client.force_login(user)
    client.post(reverse("api:jetons"), {"name": "Nord", "organisation": other.pk})
    assert ApiToken.objects.get().organisation == other
    foreign = OrganisationFactory()
    response = client.post(reverse("api:jetons"), {"name": "Ailleurs", "organisation": foreign.pk})
    assert response.status_code == 200
    assert not ApiToken.objects.filter(organisation=foreign).exists()


@pytest.mark.parametrize("role", [Role.AIGUILLEUR, Role.STRUCTURE, Role.PILOTE])
def test_only_prescribers_manage_tokens(client, organisation, role):
    token, _ = ApiToken.issue(organisation, "Jeton")
    client.force_login(member(role))
    assert client.get(reverse("api:jetons")).status_code == 403
    assert client.post(reverse("api:revoquer", args=[token.pk])).status_code == 403
    assert client.post(reverse("api:jetons"), {"name": "x"}).status_code == 403
    assert ApiToken.objects.count() == 1


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    assert client.get(reverse("api:jetons"))["Location"].startswith(reverse("login"))


def test_csrf_protects_the_token_pages(organisation, prescripteur):
    token, _ = ApiToken.issue(organisation, "Jeton")
    client = Client(enforce_csrf_checks=True)
    client.force_login(prescripteur)
    assert client.post(reverse("api:jetons"), {"name": "x"}).status_code == 403
    assert client.post(reverse("api:revoquer", args=[token.pk])).status_code == 403
    assert ApiToken.objects.count() == 1
    assert ApiToken.objects.get().revoked_at is None


def test_the_token_list_makes_a_fixed_number_of_queries(logged, organisation, count_queries):
    ApiToken.issue(organisation, "Premier")
    few = count_queries(reverse("api:jetons"))
    for i in range(10):
        ApiToken.issue(organisation, f"Jeton {i}")[0].revoke()
    assert count_queries(reverse("api:jetons")) == few


def test_the_token_list_is_paginated_active_tokens_first_then_the_latest_revoked(logged, organisation):
    ApiToken.issue(organisation, "Actif")
    for i in range(PAR_PAGE):
        ApiToken.issue(organisation, f"Ancien {i}")[0].revoke()
    premiere = logged.get(reverse("api:jetons")).context["page"]
    assert (len(premiere), premiere.paginator.num_pages) == (PAR_PAGE, 2)
    assert premiere[0].name == "Actif"
    seconde = logged.get(reverse("api:jetons"), {"page": 2}).content.decode()
    # Active tokens first, then the latest revoked: the first one revoked comes last.
    assert "Ancien 0" in seconde and "Actif" not in seconde
