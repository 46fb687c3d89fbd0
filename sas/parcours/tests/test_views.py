import uuid

import pytest
from django.test import Client
from django.urls import reverse

from sas.audit.models import Action, AuditEntry
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import Role
from sas.parcours import transitions
from sas.parcours.factories import ParcoursFactory, SignalementFactory
from sas.parcours.models import Parcours
from sas.parcours.status import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two territories, each with a prescribing organisation, an aiguilleur and one signalement."""
    data = {}
    for side in "ab":
        territory = TerritoryFactory(nom=f"Territoire {side.upper()}")
        prescriber_org = OrganisationFactory(territory=territory, nom=f"ASE {side.upper()}")
        signalement = SignalementFactory(
            parcours__territory=territory, parcours__jeune__prenom=f"Jeune{side.upper()}", organisation=prescriber_org
        )
        data[side] = {
            "territory": territory,
            "parcours": signalement.parcours,
            "prescripteur": member(Role.PRESCRIPTEUR, prescriber_org),
            "aiguilleur": member(Role.AIGUILLEUR, territory=territory),
        }
    return data


def test_scoped_queryset_per_role(world):
    a, b = world["a"], world["b"]
    assert list(Parcours.objects.for_role(a["prescripteur"], Role.PRESCRIPTEUR)) == [a["parcours"]]
    assert list(Parcours.objects.for_role(a["aiguilleur"], Role.AIGUILLEUR)) == [a["parcours"]]
    assert not Parcours.objects.for_role(a["prescripteur"], Role.AIGUILLEUR).exists()
    for role in (Role.STRUCTURE, Role.PILOTE, Role.ADMIN):
        assert not Parcours.objects.visible_to(member(role, territory=a["territory"])).exists()
    assert list(Parcours.objects.visible_to(b["aiguilleur"])) == [b["parcours"]]


def test_an_inactive_membership_sees_nothing(world):
    user = world["a"]["aiguilleur"]
    user.memberships.update(is_active=False)
    user.refresh_from_db()
    assert not Parcours.objects.visible_to(user).exists()


def test_prescripteur_sees_the_stage_of_their_own_signalements_only(client, world):
    a = world["a"]
    transitions.transition(a["parcours"], Status.A_CONTACTER)
    client.force_login(a["prescripteur"])
    html = client.get(reverse("parcours:mes_signalements")).content.decode()
    assert "JeuneA" in html and "À contacter" in html
    assert "JeuneB" not in html


def test_aiguilleur_queue_shows_open_journeys_of_the_territory_oldest_first(client, world):
    a = world["a"]
    newer = SignalementFactory(parcours__territory=a["territory"], parcours__jeune__prenom="Recent").parcours
    closed = SignalementFactory(parcours__territory=a["territory"], parcours__jeune__prenom="Clotilde").parcours
    transitions.transition(closed, Status.HORS_CIBLE, reason="Hors territoire")
    client.force_login(a["aiguilleur"])
    html = client.get(reverse("parcours:file_active")).content.decode()
    assert html.index("JeuneA") < html.index("Recent")
    assert "Clotilde" not in html and "JeuneB" not in html
    assert newer.jeune.prenom in html


@pytest.mark.parametrize(
    ("role", "url_name"), [("prescripteur", "parcours:mes_signalements"), ("aiguilleur", "parcours:file_active")]
)
def test_list_pages_make_a_fixed_number_of_queries(client, world, count_queries, role, url_name):
    a = world["a"]
    client.force_login(a[role])
    org = a["parcours"].signalements.get().organisation
    SignalementFactory(parcours__territory=a["territory"], organisation=org)
    few = count_queries(reverse(url_name))
    for _ in range(5):
        signalement = SignalementFactory(parcours__territory=a["territory"], organisation=org)
        SignalementFactory(parcours=signalement.parcours, organisation=OrganisationFactory(territory=a["territory"]))
    assert count_queries(reverse(url_name)) == few


def test_detail_is_audited(client, world):
    a = world["a"]
    client.force_login(a["aiguilleur"])
    response = client.get(reverse("parcours:detail", args=[a["parcours"].uuid]))
    assert a["parcours"].jeune.telephone in response.content.decode()
    entry = AuditEntry.objects.get(action=Action.CONSULTATION)
    assert (entry.actor, entry.jeune_ids, entry.object_id) == (
        a["aiguilleur"],
        [a["parcours"].jeune_id],
        str(a["parcours"].pk),
    )


def test_prescripteur_detail_shows_stages_without_contact_details_or_status_form(client, world):
    a = world["a"]
    client.force_login(a["prescripteur"])
    html = client.get(reverse("parcours:detail", args=[a["parcours"].uuid])).content.decode()
    assert "Signalé" in html
    assert a["parcours"].jeune.telephone not in html
    assert "Changer le statut" not in html


@pytest.mark.parametrize("intruder", ["prescripteur", "aiguilleur", "structure", "pilote", "admin"])
def test_another_organisation_gets_404_everywhere(client, world, intruder):
    """Guessing the URL of territory A's journey as any member of territory B."""
    a, b = world["a"], world["b"]
    user = b[intruder] if intruder in b else member(Role(intruder), territory=b["territory"])
    client.force_login(user)
    parcours = a["parcours"]
    assert client.get(reverse("parcours:detail", args=[parcours.uuid])).status_code == 404
    response = client.post(reverse("parcours:change_status", args=[parcours.uuid]), {"to_status": "a_contacter"})
    assert response.status_code == 404
    assert parcours.events.count() == 1
    assert client.get(reverse("parcours:detail", args=[uuid.uuid4()])).status_code == 404


def test_aiguilleur_changes_status_through_the_form(client, world):
    a = world["a"]
    client.force_login(a["aiguilleur"])
    url = reverse("parcours:change_status", args=[a["parcours"].uuid])
    response = client.post(url, {"to_status": "a_contacter"}, follow=True)
    assert "Statut changé : À contacter." in response.content.decode()
    a["parcours"].refresh_from_db()
    assert a["parcours"].status == Status.A_CONTACTER
    assert AuditEntry.objects.filter(action=Action.TRANSITION, actor=a["aiguilleur"]).count() == 1


def test_a_forbidden_or_incomplete_move_from_the_form_changes_nothing(client, world):
    a = world["a"]
    client.force_login(a["aiguilleur"])
    url = reverse("parcours:change_status", args=[a["parcours"].uuid])
    response = client.post(url, {"to_status": "pris_en_charge"}, follow=True)
    assert "pas possible" in response.content.decode()
    response = client.post(url, {"to_status": "hors_cible", "reason": ""}, follow=True)
    assert "Indiquez le motif" in response.content.decode()
    assert a["parcours"].events.count() == 1


def test_prescripteur_cannot_change_a_status(client, world):
    a = world["a"]
    client.force_login(a["prescripteur"])
    response = client.post(reverse("parcours:change_status", args=[a["parcours"].uuid]), {"to_status": "a_contacter"})
    assert response.status_code == 403
    assert a["parcours"].events.count() == 1


def test_status_change_requires_csrf(world):
    a = world["a"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(a["aiguilleur"])
    response = client.post(reverse("parcours:change_status", args=[a["parcours"].uuid]), {"to_status": "a_contacter"})
    assert response.status_code == 403
    assert a["parcours"].events.count() == 1


def test_pilote_sees_counts_with_small_ones_suppressed(client, world):
    a = world["a"]
    for _ in range(11):
        ParcoursFactory(territory=a["territory"])
    ParcoursFactory(territory=a["territory"], status=Status.SORTIE_A_VENIR)
    client.force_login(member(Role.PILOTE, territory=a["territory"]))
    response = client.get(reverse("parcours:indicateurs"))
    rows, total = response.context["territories"][0][1]
    assert dict(rows)["Signalé"] == 12
    assert dict(rows)["Sortie à venir"] == "< 11"
    assert dict(rows)["Contacté"] == 0
    assert total == 13
    assert "JeuneA" not in response.content.decode()


@pytest.mark.parametrize(
    ("url_name", "allowed_role"),
    [
        ("parcours:mes_signalements", "prescripteur"),
        ("parcours:file_active", "aiguilleur"),
        ("parcours:indicateurs", "pilote"),
    ],
)
def test_role_pages_refuse_other_roles(client, world, url_name, allowed_role):
    for role in ("prescripteur", "aiguilleur", "pilote"):
        user = world["a"].get(role) or member(Role(role), territory=world["a"]["territory"])
        client.force_login(user)
        expected = 200 if role == allowed_role else 403
        assert client.get(reverse(url_name)).status_code == expected


def test_anonymous_users_are_sent_to_login(client, world):
    response = client.get(reverse("parcours:detail", args=[world["a"]["parcours"].uuid]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
