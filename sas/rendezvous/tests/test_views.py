import datetime

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sas.audit.models import AuditEntry
from sas.organisations.factories import OrganisationFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours.factories import ParcoursFactory, SignalementFactory

from ..models import Creneau, RendezVous, RendezVousStatus
from ..services import reserver
from .conftest import lundi, publier

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(client, aiguilleur):
    client.force_login(aiguilleur)
    return client


@pytest.fixture
def intrus(client):
    """A counsellor of another territory's SAS team."""
    user = member(Role.AIGUILLEUR, territory__nom="Autre territoire")
    client.force_login(user)
    return client


@pytest.fixture
def passe(creneau, parcours, aiguilleur):
    """An appointment that started an hour ago (the slot moved to the past after the booking)."""
    rdv = reserver(parcours, creneau, pris_par="jeune", at=lundi())
    Creneau.objects.filter(pk=creneau.pk).update(
        debut=timezone.now() - datetime.timedelta(hours=1), fin=timezone.now() - datetime.timedelta(minutes=15)
    )
    return rdv


def test_a_counsellor_publishes_a_morning_from_one_form(logged, aiguilleur, equipe):
    day = lundi().date()
    response = logged.post(
        reverse("rendezvous:publier"),
        {"date": day.isoformat(), "heure": "09:00", "duree": "45", "nombre": "4", "modalite": "visio", "lieu": ""},
    )
    assert response.status_code == 200
    assert "Indiquez le lien de la visioconférence." in response.content.decode()
    response = logged.post(
        reverse("rendezvous:publier"),
        {
            "date": day.isoformat(),
            "heure": "09:00",
            "duree": "45",
            "nombre": "4",
            "modalite": "visio",
            "lieu": "https://visio.example.org/sas",
        },
    )
    assert response.status_code == 302
    creneaux = list(Creneau.objects.filter(conseiller=aiguilleur))
    assert len(creneaux) == 4
    assert {c.organisation for c in creneaux} == {equipe}
    assert [timezone.localtime(c.debut).strftime("%H:%M") for c in creneaux] == ["09:00", "09:45", "10:30", "11:15"]


@pytest.mark.parametrize("role", [Role.PRESCRIPTEUR, Role.PILOTE, Role.STRUCTURE])
def test_other_roles_are_refused(client, role, creneau, parcours):
    rdv = reserver(parcours, creneau, pris_par="jeune", at=lundi())
    client.force_login(member(role, territory=parcours.territory))
    assert client.get(reverse("rendezvous:agenda")).status_code == 403
    assert client.get(reverse("rendezvous:publier")).status_code == 403
    assert client.post(reverse("rendezvous:annuler", args=[rdv.pk])).status_code == 403
    assert client.post(reverse("rendezvous:reserver", args=[parcours.uuid]), {"creneau": creneau.pk}).status_code == 403
    assert RendezVous.objects.get().status == RendezVousStatus.CONFIRME


def test_another_teams_counsellor_gets_404_on_guessed_ids(intrus, passe, parcours, aiguilleur, equipe):
    libre = publier(aiguilleur, equipe, lundi(heure=16))[0]
    assert intrus.post(reverse("rendezvous:constater", args=[passe.pk]), {"issue": "manque"}).status_code == 404
    assert intrus.post(reverse("rendezvous:annuler", args=[passe.pk])).status_code == 404
    assert intrus.post(reverse("rendezvous:retirer", args=[libre.pk])).status_code == 404
    response = intrus.post(reverse("rendezvous:reserver", args=[parcours.uuid]), {"creneau": libre.pk})
    assert response.status_code == 404
    page = intrus.get(reverse("rendezvous:agenda"), {"vue": "equipe"}).content.decode()
    assert parcours.jeune.prenom not in page
    passe.refresh_from_db()
    assert passe.status == RendezVousStatus.CONFIRME
    assert Creneau.objects.filter(pk=libre.pk).exists()


def test_a_counsellor_cannot_book_a_slot_of_another_territory_for_their_journey(logged, parcours, equipe):
    ailleurs = member(Role.AIGUILLEUR, territory__nom="Ailleurs")
    creneau = publier(ailleurs, ailleurs.memberships.get().organisation, lundi())[0]
    response = logged.post(reverse("rendezvous:reserver", args=[parcours.uuid]), {"creneau": creneau.pk})
    assert response.status_code == 404
    assert not RendezVous.objects.exists()


def test_booking_from_the_journey_page(logged, parcours, creneau, aiguilleur):
    response = logged.post(reverse("rendezvous:reserver", args=[parcours.uuid]), {"creneau": creneau.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("parcours:detail", args=[parcours.uuid])
    rdv = RendezVous.objects.get()
    assert (rdv.parcours, rdv.creneau, rdv.pris_par, rdv.actor) == (parcours, creneau, "conseiller", aiguilleur)
    again = logged.post(reverse("rendezvous:reserver", args=[parcours.uuid]), {"creneau": creneau.pk}, follow=True)
    assert "vient d&#x27;être réservé" in again.content.decode()
    assert RendezVous.objects.count() == 1


def test_marking_missed_goes_back_where_it_came_from(logged, passe, parcours):
    suite = reverse("parcours:detail", args=[parcours.uuid])
    response = logged.post(reverse("rendezvous:constater", args=[passe.pk]), {"issue": "manque", "suite": suite})
    assert response["Location"] == suite
    passe.refresh_from_db()
    assert passe.status == RendezVousStatus.MANQUE
    response = logged.post(
        reverse("rendezvous:constater", args=[passe.pk]), {"issue": "honore", "suite": "https://evil.example.org/"}
    )
    assert response["Location"] == reverse("rendezvous:agenda")
    passe.refresh_from_db()
    assert passe.status == RendezVousStatus.MANQUE


def test_cancel_from_the_agenda_frees_the_slot(logged, creneau, parcours):
    rdv = reserver(parcours, creneau, pris_par="jeune", at=lundi())
    logged.post(reverse("rendezvous:annuler", args=[rdv.pk]))
    rdv.refresh_from_db()
    assert rdv.status == RendezVousStatus.ANNULE
    logged.post(reverse("rendezvous:retirer", args=[creneau.pk]))
    # Kept, withdrawn: the cancelled appointment's history stays whole; nobody is offered it any more.
    assert Creneau.objects.get(pk=creneau.pk).retire_le is not None
    assert "Aucun créneau à venir" in logged.get(reverse("rendezvous:agenda")).content.decode()


def _remplir(conseiller, equipe, territory, n, start, decalage=0):
    """n booked slots (each by another young person) and one past appointment to record per young person."""
    for i in range(n):
        debut = start + datetime.timedelta(hours=i)
        creneau, libre = publier(conseiller, equipe, debut, nombre=2, duree=30)
        parcours = ParcoursFactory(territory=territory)
        SignalementFactory(parcours=parcours)
        reserver(parcours, creneau, pris_par="jeune")
        passe = publier(conseiller, equipe, start + datetime.timedelta(days=3, hours=i))[0]
        reserver(parcours, passe, pris_par="conseiller", actor=conseiller)
        Creneau.objects.filter(pk=passe.pk).update(
            debut=timezone.now() - datetime.timedelta(days=1 + decalage, hours=i),
            fin=timezone.now() - datetime.timedelta(days=1 + decalage, hours=i - 1),
        )


def test_the_agenda_lists_slots_and_appointments_to_record_with_a_fixed_number_of_queries(
    logged, aiguilleur, equipe, territory, count_queries
):
    url = reverse("rendezvous:agenda")
    _remplir(aiguilleur, equipe, territory, 1, lundi(heure=8))
    few = count_queries(url)
    _remplir(aiguilleur, equipe, territory, 6, lundi(heure=8) + datetime.timedelta(days=1), decalage=1)
    assert count_queries(url) == few
    page = logged.get(url).content.decode()
    assert page.count('name="issue" value="manque"') == 7
    assert "14 créneaux à venir, dont 7 réservés" in page
    entry = AuditEntry.objects.filter(object_type="agenda_rendezvous").latest("pk")
    assert len(entry.jeune_ids) == 7


def test_the_agenda_shows_only_the_counsellors_own_slots_unless_asked_for_the_team(logged, aiguilleur, equipe):
    collegue = member(Role.AIGUILLEUR, equipe)
    publier(collegue, equipe, lundi(heure=9), nombre=3)
    publier(aiguilleur, equipe, lundi(heure=14))
    assert "1 créneau à venir" in logged.get(reverse("rendezvous:agenda")).content.decode()
    equipe_page = logged.get(reverse("rendezvous:agenda"), {"vue": "equipe"}).content.decode()
    assert "4 créneaux à venir" in equipe_page
    autre_equipe = OrganisationFactory(territory=equipe.territory, kind=OrganisationKind.EQUIPE_SAS)
    publier(member(Role.AIGUILLEUR, autre_equipe), autre_equipe, lundi(heure=9))
    assert "4 créneaux à venir" in logged.get(reverse("rendezvous:agenda"), {"vue": "equipe"}).content.decode()


TAG = Template("{% load rendezvous_tags %}{% rendezvous_du_parcours parcours user %}")


def test_the_journey_section_lists_appointments_and_offers_free_slots(parcours, aiguilleur, equipe, passe):
    publier(aiguilleur, equipe, lundi(heure=16), nombre=3)
    html = TAG.render(Context({"parcours": parcours, "user": aiguilleur}))
    assert html.count('name="creneau"') == 3
    assert 'name="issue" value="manque"' in html
    assert reverse("rendezvous:reserver", args=[parcours.uuid]) in html
    with CaptureQueriesContext(connection) as few:
        TAG.render(Context({"parcours": parcours, "user": aiguilleur}))
    for i in range(5):
        reserver(
            parcours,
            publier(aiguilleur, equipe, lundi(heure=8) + datetime.timedelta(days=i + 2))[0],
            pris_par="conseiller",
            actor=aiguilleur,
            at=lundi(),
        )
    with CaptureQueriesContext(connection) as many:
        TAG.render(Context({"parcours": parcours, "user": aiguilleur}))
    assert len(many) == len(few)


def test_the_journey_section_shows_nothing_to_a_prescriber(parcours, creneau):
    reserver(parcours, creneau, pris_par="jeune", at=lundi())
    signalement = SignalementFactory(parcours=parcours)
    prescripteur = member(Role.PRESCRIPTEUR, signalement.organisation)
    assert TAG.render(Context({"parcours": parcours, "user": prescripteur})).strip() == ""
