"""The receiving structure answers its check-ins from its account: the open check-ins of the young people it takes
care of, a page at a time, the same questions and the same service as its magic link, each answer an event naming
the member; nobody else reads or answers them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.orientation.recues import identite_lisible, nom_affiche
from sas.orientation.tests.conftest import diagnostique
from sas.parcours.models import EventKind as ParcoursEventKind
from sas.parcours.status import Status
from sas.permissions import points_etape_for_structure
from sas.suivi import services, views
from sas.suivi.models import ActorKind, EventKind, NatureSortie, PointEtapeStatus

from .conftest import prendre_en_charge

pytestmark = pytest.mark.django_db
URL = reverse("suivi:points_recus")


@pytest.fixture
def point(pris_en_charge_il_y_a_un_mois):
    services.avancer()
    return pris_en_charge_il_y_a_un_mois.suivis.get().points.get(mois=1)


@pytest.fixture
def membre(accueil):
    return member(Role.STRUCTURE, accueil)


def _repondre(client, point, question, valeur, **extra):
    url = reverse("suivi:point_recu_repondre", args=[point.pk])
    return client.post(url, {"question": question, "valeur": valeur, **extra})


def _nom(point):
    orientation = point.suivi.orientation
    paire = (point.suivi.parcours.jeune_id, orientation.structure_id)
    return nom_affiche(orientation, paire in identite_lisible({paire}))


def test_the_member_sees_the_check_in_and_answers_still_supported(client, point, membre):
    client.force_login(membre)
    page = client.get(URL).content.decode()
    assert f"{_nom(point)} : point d'étape à 1 mois" in page
    assert reverse("suivi:point_recu_repondre", args=[point.pk]) in page
    assert URL in client.get(reverse("orientation:recues")).content.decode()  # in their navigation

    assert _repondre(client, point, "accompagne", "oui").status_code == 302
    assert services.reponses(point, ActorKind.STRUCTURE) == {"accompagne": "oui"}
    event = point.events.get(kind=EventKind.REPONSE)
    assert (event.actor, event.actor_kind) == (membre, ActorKind.STRUCTURE)
    point.refresh_from_db()
    assert point.status == PointEtapeStatus.REPONDU
    parcours = point.suivi.parcours
    assert parcours.events.filter(kind=ParcoursEventKind.POINT_ETAPE, actor=membre).count() == 1
    # Answered: still listed (the young person may answer too), with nothing more to ask the structure.
    page = client.get(URL).content.decode()
    assert "Merci, votre réponse est notée." in page
    assert reverse("suivi:point_recu_repondre", args=[point.pk]) not in page


def test_the_member_tells_a_positive_exit_with_its_kind_and_date(client, point, membre):
    client.force_login(membre)
    _repondre(client, point, "accompagne", "sortie")
    assert 'name="date_sortie"' in client.get(URL).content.decode()
    demain = timezone.localdate() + datetime.timedelta(days=1)
    _repondre(client, point, "sortie", NatureSortie.EMPLOI, date_sortie=demain.isoformat())
    assert "aujourd&#x27;hui ou avant" in client.get(URL).content.decode()
    hier = timezone.localdate() - datetime.timedelta(days=1)
    assert _repondre(client, point, "sortie", NatureSortie.EMPLOI, date_sortie=hier.isoformat()).status_code == 302
    parcours = point.suivi.parcours
    parcours.refresh_from_db()
    suivi = parcours.suivis.get()
    assert parcours.status == Status.SORTI_POSITIF
    assert (suivi.sortie_nature, suivi.sortie_le, suivi.sortie_actor_kind) == (
        NatureSortie.EMPLOI,
        hier,
        ActorKind.STRUCTURE,
    )
    # The follow-up is over: nothing left to answer.
    assert reverse("suivi:point_recu_repondre", args=[point.pk]) not in client.get(URL).content.decode()
    assert _repondre(client, point, "accompagne", "oui").status_code == 404


def test_only_the_structure_questions_are_answered_there(client, point, membre):
    client.force_login(membre)
    _repondre(client, point, "besoin", "oui")
    _repondre(client, point, "accompagne", "peut_etre")
    assert not point.events.filter(kind=EventKind.REPONSE).exists()
    assert "Réponse inconnue" in client.get(URL).content.decode()


def test_nobody_else_reads_or_answers(client, point, territory):
    parcours = point.suivi.parcours
    prescripteur = parcours.signalements.get().organisation.memberships.get().user
    voisine = member(Role.STRUCTURE, OrganisationFactory(territory=territory, kind=OrganisationKind.STRUCTURE_ACCUEIL))
    ailleurs = member(Role.STRUCTURE, territory=TerritoryFactory())
    for user in (voisine, ailleurs, prescripteur, None):
        client.logout()
        if user:
            client.force_login(user)
            assert not points_etape_for_structure(user).exists()
        page = client.get(URL)
        assert page.status_code in (200, 302, 403)
        assert reverse("suivi:point_recu_repondre", args=[point.pk]) not in page.content.decode()
        assert _repondre(client, point, "accompagne", "arrete").status_code in (302, 403, 404)
        if user is None:
            assert _repondre(client, point, "accompagne", "arrete")["Location"].startswith(reverse("login"))
    assert not point.events.filter(kind=EventKind.REPONSE).exists()
    parcours.refresh_from_db()
    assert parcours.status == Status.SUIVI


def test_the_list_takes_the_same_number_of_queries_whatever_the_number_of_check_ins(
    client, point, membre, territory, prescripteur, aiguilleur, count_queries, monkeypatch
):
    monkeypatch.setattr(views, "PAR_PAGE", 2)
    client.force_login(membre)
    one = count_queries(URL)
    jours = lambda n: timezone.now() - datetime.timedelta(days=n)  # noqa: E731
    for _ in range(4):
        dossier = diagnostique(territory, prescripteur, aiguilleur, jours(60))
        prendre_en_charge(dossier, aiguilleur, jours(35), envoyee_le=jours(45))
    services.avancer()
    assert points_etape_for_structure(membre).count() == 5
    # One answered by the structure, another on its positive exit's question: their rows read the same rows.
    autres = list(points_etape_for_structure(membre).exclude(pk=point.pk))
    services.repondre(autres[0], "accompagne", "oui", actor_kind=ActorKind.STRUCTURE)
    services.repondre(autres[1], "accompagne", "sortie", actor_kind=ActorKind.STRUCTURE)
    assert count_queries(URL) == one
    assert count_queries(f"{URL}?page=3") == one
    assert "Pagination des points d'étape" in client.get(URL).content.decode()
