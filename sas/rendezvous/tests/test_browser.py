import datetime

import pytest
from django.template import RequestContext, Template
from django.urls import reverse
from django.utils import timezone

from sas.aiguillage.models import TacheContact
from sas.browser_testing import needs_browser, serious_violations

from ..models import Creneau, RendezVousStatus
from ..services import reserver
from .conftest import lundi, publier


@needs_browser
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_counsellor_publishes_a_morning_and_records_a_missed_appointment(
    log_in, live_server, page, aiguilleur, creneau, parcours
):
    rdv = reserver(parcours, creneau, pris_par="jeune", at=lundi())
    Creneau.objects.filter(pk=creneau.pk).update(
        debut=timezone.now() - datetime.timedelta(hours=2), fin=timezone.now() - datetime.timedelta(hours=1)
    )
    day = lundi(semaines=2).date()

    log_in(page, aiguilleur)

    page.goto(live_server.url + reverse("rendezvous:publier"))
    assert serious_violations(page) == []
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    page.get_by_label("Heure du premier créneau").fill("09:00")
    page.get_by_label("Durée de chaque créneau").select_option("30")
    page.get_by_label("Nombre de créneaux à la suite").fill("3")
    page.get_by_role("radio", name="Par téléphone").check(force=True)  # DSFR draws the radio on its label
    page.get_by_role("button", name="Publier").click()

    page.get_by_role("heading", level=1, name="Mes rendez-vous").wait_for(timeout=5000)
    assert "3 créneaux publiés." in page.content()
    assert page.get_by_text("3 créneaux à venir, dont 0 réservé", exact=True).is_visible()
    assert serious_violations(page) == []

    page.get_by_role("button", name="Manqué").click()
    page.get_by_role("heading", level=1, name="Mes rendez-vous").wait_for(timeout=5000)
    assert "Aucun rendez-vous passé à renseigner." in page.inner_text("main")
    rdv.refresh_from_db()
    assert rdv.status == RendezVousStatus.MANQUE
    assert sorted(TacheContact.objects.filter(parcours=parcours).values_list("nature", flat=True)) == [
        "appel",
        "visite",
    ]


@needs_browser
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_journey_section_is_accessible(live_server, page, rf, aiguilleur, equipe, creneau, parcours):
    """The section the journey page includes, rendered in the site's layout (the lead wires it into the page)."""
    reserver(parcours, creneau, pris_par="jeune", at=lundi())
    publier(aiguilleur, equipe, lundi(heure=15), nombre=2)
    request = rf.get(reverse("parcours:detail", args=[parcours.uuid]))
    request.user = aiguilleur
    html = Template(
        '{% extends "base.html" %}{% load rendezvous_tags %}'
        "{% block main %}<h1>Parcours</h1>{% rendezvous_du_parcours parcours user %}{% endblock main %}"
    ).render(RequestContext(request, {"parcours": parcours, "title": "Parcours"}))

    page.goto(live_server.url + reverse("login"))
    page.set_content(html)
    assert page.get_by_role("radio").count() == 2
    assert page.get_by_role("button", name="Annuler").is_visible()
    assert serious_violations(page) == []
