"""Small figures where people work: the counsellor's overdue counts, the prescriber's funnel."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from sas.aiguillage.services import journaliser_contact
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import Role
from sas.parcours.factories import ParcoursFactory, SignalementFactory
from sas.parcours.status import Status
from sas.parcours.transitions import transition
from sas.pilotage.svg import BLEU_FRANCE

pytestmark = pytest.mark.django_db


def test_the_queue_counts_the_journeys_late_on_each_target(client):
    territory = TerritoryFactory()
    now = timezone.now()
    ParcoursFactory(territory=territory, at=now - datetime.timedelta(days=4))  # no attempt after 72 hours
    tried = ParcoursFactory(territory=territory, at=now - datetime.timedelta(days=20))
    journaliser_contact(tried, canal="appel", resultat="sans_reponse", at=now - datetime.timedelta(days=19))
    contacted = ParcoursFactory(territory=territory, at=now - datetime.timedelta(days=40))
    transition(contacted, Status.A_CONTACTER, at=now - datetime.timedelta(days=39))
    transition(contacted, Status.CONTACTE, at=now - datetime.timedelta(days=38))
    ParcoursFactory(territory=TerritoryFactory(), at=now - datetime.timedelta(days=40))  # another territory
    client.force_login(member(Role.AIGUILLEUR, territory=territory))
    response = client.get(reverse("parcours:file_active"))
    # 4 days, no attempt: late on its first attempt only (its 15 days and month still run).
    # 20 days, one unanswered call: late on the contact decision, not yet on the diagnostic (a month).
    # 40 days, contacted on day 2 with no diagnostic: late on the diagnostic only.
    assert response.context["retards"] == {"premier_essai": 1, "contact": 1, "diagnostic": 1}
    assert "En retard sur le territoire : 1 premier essai de contact" in response.content.decode()


def test_the_prescriber_sees_its_organisation_s_funnel_drawn(client):
    territory = TerritoryFactory()
    ase = OrganisationFactory(territory=territory)
    journeys = [SignalementFactory(parcours__territory=territory, organisation=ase).parcours for _ in range(3)]
    transition(journeys[0], Status.A_CONTACTER)
    transition(journeys[0], Status.CONTACTE)
    client.force_login(member(Role.PRESCRIPTEUR, ase))
    html = client.get(reverse("prescription:statistiques")).content.decode()
    svg = re.search(r"<svg.*?</svg>", html, re.S)[0]
    assert f"{ase.nom} : jeunes signalés arrivés à chaque étape" in svg
    # One blue bar for the 3 signalled and one for each stage a journey reached: none for a stage at 0.
    counts = [int(n) for n in re.findall(r"<tr><td>[^<]*</td><td>(\d+)</td></tr>", html)]
    assert svg.count(f'fill="{BLEU_FRANCE}"') == 1 + sum(1 for n in counts if n)
