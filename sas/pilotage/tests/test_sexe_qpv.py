"""Sex and QPV residence: said by the young person to their counsellor, saved on the journey page, counted apart
when nobody said them."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sas.organisations.factories import TerritoryFactory, member
from sas.organisations.models import Role
from sas.parcours.factories import ParcoursFactory

pytestmark = pytest.mark.django_db


def test_the_counsellor_notes_what_the_young_person_said_and_the_breakdown_counts_it(client):
    territory = TerritoryFactory()
    at = timezone.now() - datetime.timedelta(days=3)
    journeys = [ParcoursFactory(territory=territory, at=at) for _ in range(12)]
    aiguilleur = member(Role.AIGUILLEUR, territory=territory)
    client.force_login(aiguilleur)
    page = client.get(reverse("parcours:detail", args=[journeys[0].uuid])).content.decode()
    assert "Pour les statistiques (facultatif)" in page
    assert '<option value="unknown" selected>Non renseigné</option>' in page
    for p in journeys[:11]:
        url = reverse("aiguillage:statistiques", args=[p.uuid])
        response = client.post(url, {"statistiques-sexe": "f", "statistiques-qpv": "true"})
        assert response.status_code == 302
    page = client.get(reverse("parcours:detail", args=[journeys[0].uuid])).content.decode()
    assert '<option value="true" selected>Oui</option>' in page
    journeys[0].jeune.refresh_from_db()
    assert (journeys[0].jeune.sexe, journeys[0].jeune.qpv) == ("f", True)
    assert journeys[11].jeune.sexe == "" and journeys[11].jeune.qpv is None
    client.force_login(member(Role.PILOTE, territory=territory))
    valeurs = client.get(reverse("pilotage:tableau_de_bord")).context["f"]["valeurs"]
    # 11 said "femme" and QPV, none contacted yet; the twelfth said nothing and is "non renseigné".
    assert valeurs[("sexe", "Femme", 0)] == 11 and valeurs[("sexe", "Non renseigné", 0)] == 1
    assert valeurs[("qpv", "Oui", 0)] == 11


def test_another_territory_s_counsellor_changes_nothing():
    p = ParcoursFactory(territory=TerritoryFactory())
    other = Client(enforce_csrf_checks=False)
    other.force_login(member(Role.AIGUILLEUR, territory=TerritoryFactory()))
    response = other.post(reverse("aiguillage:statistiques", args=[p.uuid]), {"statistiques-sexe": "h"})
    assert response.status_code == 404
    p.jeune.refresh_from_db()
    assert p.jeune.sexe == ""
    anonymous = Client()
    assert (
        anonymous.post(reverse("aiguillage:statistiques", args=[p.uuid]), {"statistiques-sexe": "h"}).status_code == 302
    )
    p.jeune.refresh_from_db()
    assert p.jeune.sexe == ""
