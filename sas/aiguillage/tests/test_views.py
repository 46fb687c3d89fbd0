import datetime

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from sas.aiguillage import cadence, services
from sas.aiguillage.models import CadenceContact, TacheContact
from sas.audit.models import Action, AuditEntry
from sas.organisations.factories import member
from sas.organisations.models import Role
from sas.parcours.factories import SignalementFactory
from sas.parcours.models import EventKind
from sas.parcours.status import Status

pytestmark = pytest.mark.django_db

SOON = timezone.now() + datetime.timedelta(days=1)


def url(name, parcours):
    return reverse(f"aiguillage:{name}", args=[parcours.uuid])


@pytest.fixture
def parcours(make_parcours):
    return make_parcours(prenom="Inès")


@pytest.fixture
def ailleurs():
    """A journey of another territory, with a task."""
    other = SignalementFactory(parcours__jeune__prenom="Autre").parcours
    services.creer_tache(other, "appel", echeance=SOON, motif="Appeler")
    return other


# Mes tâches


def test_my_tasks_then_those_of_journeys_without_a_counsellor(client, make_parcours, aiguilleur, collegue, ailleurs):
    mine, nobodys, colleagues = make_parcours("Mine"), make_parcours("Libre"), make_parcours("Collègue")
    services.assigner(mine, aiguilleur, actor=aiguilleur)
    services.assigner(colleagues, collegue, actor=aiguilleur)
    for p in (mine, nobodys, colleagues):
        services.creer_tache(p, "appel", echeance=SOON, motif=f"Appeler {p.jeune.prenom}")
    done = services.creer_tache(mine, "visite", echeance=SOON, motif="Visite faite")
    services.terminer_tache(done, resultat="absent", actor=aiguilleur)
    client.force_login(aiguilleur)
    response = client.get(reverse("aiguillage:taches"))
    assert [t.parcours.jeune.prenom for t, _ in response.context["mes_taches"]] == ["Mine"]
    assert [t.parcours.jeune.prenom for t, _ in response.context["sans_conseiller"]] == ["Libre"]
    html = response.content.decode()
    assert "Appeler Mine" in html and "Appeler Libre" in html
    assert "Collègue" not in html and "Autre" not in html and "Visite faite" not in html
    assert 'class="fr-table__container" tabindex="0"' in html
    entry = AuditEntry.objects.get(action=Action.LISTE, object_type="taches_contact")
    assert entry.jeune_ids == sorted([mine.jeune_id, nobodys.jeune_id])


def test_the_task_list_makes_a_fixed_number_of_queries(client, make_parcours, aiguilleur, count_queries):
    client.force_login(aiguilleur)
    services.creer_tache(make_parcours("Un"), "appel", echeance=SOON, motif="Appeler")
    few = count_queries(reverse("aiguillage:taches"))
    for n in range(6):
        p = make_parcours(f"Jeune{n}", telephone=f"+3361234560{n}")
        services.assigner(p, aiguilleur, actor=aiguilleur)
        services.creer_tache(p, "appel", echeance=SOON, motif="Appeler")
        services.creer_tache(p, "visite", echeance=SOON, motif="Passer")
    assert count_queries(reverse("aiguillage:taches")) == few


def test_marking_a_task_done_from_the_list(client, parcours, aiguilleur):
    tache = services.creer_tache(parcours, "appel", echeance=SOON, motif="Appeler")
    client.force_login(aiguilleur)
    response = client.post(
        reverse("aiguillage:tache_faite", args=[tache.pk]),
        {f"tache-{tache.pk}-resultat": "joint", f"tache-{tache.pk}-note": "RDV pris", "next": "/aiguillage/taches/"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/aiguillage/taches/"
    assert "Appel notée : joint : contact rétabli." in response.content.decode()
    tache.refresh_from_db()
    parcours.refresh_from_db()
    assert (tache.faite_par, tache.resultat, tache.note) == (aiguilleur, "joint", "RDV pris")
    assert parcours.status == Status.CONTACTE
    response = client.post(
        reverse("aiguillage:tache_faite", args=[tache.pk]), {f"tache-{tache.pk}-resultat": "joint"}, follow=True
    )
    assert "Cette tâche est déjà faite." in response.content.decode()


# Actions on a journey


def test_logging_a_call(client, parcours, aiguilleur):
    client.force_login(aiguilleur)
    data = {"contact-canal": "appel", "contact-resultat": "message_laisse", "contact-note": "Voix de la mère"}
    response = client.post(url("journaliser", parcours), data)
    assert response.status_code == 302 and response.url == reverse("parcours:detail", args=[parcours.uuid])
    event = parcours.events.get(kind=EventKind.CONTACT)
    assert (event.actor, event.detail["note"]) == (aiguilleur, "Voix de la mère")
    response = client.post(url("journaliser", parcours), {"contact-canal": "pigeon"}, follow=True)
    assert "Moyen : Sélectionnez un choix valide" in response.content.decode()
    assert parcours.events.filter(kind=EventKind.CONTACT).count() == 1


def test_assigning_from_the_queue_and_refusing_someone_outside_the_team(client, parcours, aiguilleur, collegue):
    client.force_login(aiguilleur)
    queue = reverse("parcours:file_active")
    response = client.post(url("assigner", parcours), {"affectation-conseiller": collegue.pk, "next": queue})
    assert response.url == queue
    parcours.refresh_from_db()
    assert parcours.conseiller == collegue
    outsider = member(Role.AIGUILLEUR, territory=parcours.territory)
    response = client.post(url("assigner", parcours), {"affectation-conseiller": outsider.pk}, follow=True)
    assert "Sélectionnez un choix valide" in response.content.decode()
    parcours.refresh_from_db()
    assert parcours.conseiller == collegue
    client.post(url("assigner", parcours), {"affectation-conseiller": "", "next": "https://evil.example/"})
    parcours.refresh_from_db()
    assert parcours.conseiller is None


def test_deferring_and_planning_a_visit(client, parcours, aiguilleur):
    client.force_login(aiguilleur)
    later = timezone.localdate() + datetime.timedelta(days=90)
    response = client.post(url("reporter", parcours), {"report-jusqu_au": later.isoformat()}, follow=True)
    assert f"Contact reporté au {later:%d/%m/%Y}." in response.content.decode()
    assert CadenceContact.objects.get(parcours=parcours).reporte_jusqu_au == later
    response = client.post(url("reporter", parcours), {"report-jusqu_au": "2020-01-01"}, follow=True)
    assert "Choisissez une date de recontact dans le futur." in response.content.decode()
    day = timezone.localdate() + datetime.timedelta(days=2)
    data = {
        "nouvelle-tache-nature": "visite",
        "nouvelle-tache-echeance": day.isoformat(),
        "nouvelle-tache-motif": "Foyer",
    }
    client.post(url("tache_creer", parcours), data)
    tache = TacheContact.objects.get()
    assert (tache.nature, timezone.localtime(tache.echeance).date(), tache.motif) == ("visite", day, "Foyer")


@pytest.mark.parametrize("intruder", ["other_aiguilleur", "prescripteur", "pilote"])
def test_another_territory_or_role_cannot_act(client, parcours, intruder, ailleurs, territory, ase):
    user = {
        "other_aiguilleur": lambda: member(Role.AIGUILLEUR, territory=ailleurs.territory),
        "prescripteur": lambda: member(Role.PRESCRIPTEUR, ase),
        "pilote": lambda: member(Role.PILOTE, territory=territory),
    }[intruder]()
    tache = services.creer_tache(parcours, "appel", echeance=SOON, motif="Appeler")
    client.force_login(user)
    expected = 404 if intruder == "other_aiguilleur" else 403
    posts = [
        (url("journaliser", parcours), {"contact-canal": "appel", "contact-resultat": "joint"}),
        (url("assigner", parcours), {"affectation-conseiller": user.pk}),
        (url("reporter", parcours), {"report-jusqu_au": "2099-01-01"}),
        (url("tache_creer", parcours), {"nouvelle-tache-nature": "appel", "nouvelle-tache-echeance": "2099-01-01"}),
        (reverse("aiguillage:tache_faite", args=[tache.pk]), {f"tache-{tache.pk}-resultat": "joint"}),
    ]
    for target, data in posts:
        assert client.post(target, data).status_code == expected
    assert client.get(reverse("aiguillage:taches")).status_code == (200 if expected == 404 else 403)
    parcours.refresh_from_db()
    assert (parcours.status, parcours.conseiller) == (Status.SIGNALE, None)
    assert not parcours.events.exclude(kind=EventKind.TRANSITION).exists()
    assert TacheContact.objects.filter(parcours=parcours, faite_le__isnull=True).count() == 1


def test_guessing_another_territorys_task_from_ones_own_territory(client, aiguilleur, ailleurs):
    client.force_login(aiguilleur)
    tache = ailleurs.taches_contact.get()
    response = client.post(reverse("aiguillage:tache_faite", args=[tache.pk]), {f"tache-{tache.pk}-resultat": "joint"})
    assert response.status_code == 404
    tache.refresh_from_db()
    assert tache.faite_le is None


def test_csrf_stays_on(parcours, aiguilleur):
    client = Client(enforce_csrf_checks=True)
    client.force_login(aiguilleur)
    response = client.post(url("journaliser", parcours), {"contact-canal": "appel", "contact-resultat": "joint"})
    assert response.status_code == 403
    assert not parcours.events.filter(kind=EventKind.CONTACT).exists()


# The journey page section


def render_section(parcours, user):
    request = RequestFactory().get(f"/parcours/{parcours.uuid}/")
    request.user = user
    template = Template("{% load aiguillage_tags %}{% contact_du_parcours parcours user %}")
    return template.render(Context({"parcours": parcours, "user": user, "request": request, "csrf_token": "x"}))


def test_the_journey_section_shows_the_cadence_tasks_and_log_to_the_team_only(parcours, aiguilleur, ase):
    cadence.avancer()
    services.journaliser_contact(parcours, canal="visite", resultat="absent", note="Volets fermés", actor=aiguilleur)
    services.creer_tache(parcours, "appel", echeance=SOON, motif="Rappeler en soirée")
    html = render_section(parcours, aiguilleur)
    assert "Reprise de contact" in html
    assert "Plan « Plan de contact standard » démarré le" in html
    assert "Jour 0 : SMS — " in html and "Jour 15 : Décider" in html
    assert "Rappeler en soirée" in html and "Volets fermés" in html
    assert 'action="/aiguillage/' in html and "Enregistrer la tentative" in html
    assert render_section(parcours, member(Role.PRESCRIPTEUR, ase)).strip() == ""
    assert render_section(parcours, member(Role.AIGUILLEUR)).strip() == ""
