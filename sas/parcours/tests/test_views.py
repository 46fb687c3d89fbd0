import datetime
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sas.aiguillage.file import PAR_PAGE
from sas.aiguillage.services import assigner, creer_tache, journaliser_contact, reporter
from sas.audit.models import Action, AuditEntry
from sas.communes.factories import CommuneFactory
from sas.messagerie.models import CanalInvalide, Message, MessageStatus
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours import transitions
from sas.parcours.factories import ParcoursFactory, SignalementFactory
from sas.parcours.models import Parcours
from sas.parcours.status import Status
from sas.permissions import parcours_for_role, parcours_visible_to
from sas.secret_statistique import TOTAL
from sas.tests.test_secret_statistique import recomputable

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
    assert list(parcours_for_role(a["prescripteur"], Role.PRESCRIPTEUR)) == [a["parcours"]]
    assert list(parcours_for_role(a["aiguilleur"], Role.AIGUILLEUR)) == [a["parcours"]]
    assert not parcours_for_role(a["prescripteur"], Role.AIGUILLEUR).exists()
    for role in (Role.STRUCTURE, Role.PILOTE, Role.ADMIN):
        assert not parcours_visible_to(member(role, territory=a["territory"])).exists()
    assert list(parcours_visible_to(b["aiguilleur"])) == [b["parcours"]]


def test_an_inactive_membership_sees_nothing(world):
    user = world["a"]["aiguilleur"]
    user.memberships.update(is_active=False)
    user.refresh_from_db()
    assert not parcours_visible_to(user).exists()


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


def test_the_prescriber_sees_the_stages_but_not_the_counsellors_contact_work(client, world):
    a = world["a"]
    parcours = a["parcours"]
    transitions.transition(parcours, Status.A_CONTACTER)
    journaliser_contact(parcours, canal="appel", resultat="message_laisse", actor=a["aiguilleur"])
    client.force_login(a["prescripteur"])
    html = client.get(reverse("parcours:detail", args=[parcours.uuid])).content.decode()
    assert "À contacter" in html
    assert "Tentative de contact" not in html and "Reprise de contact" not in html
    client.force_login(a["aiguilleur"])
    html = client.get(reverse("parcours:detail", args=[parcours.uuid])).content.decode()
    assert "Tentative de contact" in html and "Reprise de contact" in html


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


def test_pilote_sees_counts_none_of_the_hidden_ones_recomputable(client, world):
    a = world["a"]
    for _ in range(11):
        ParcoursFactory(territory=a["territory"])
    ParcoursFactory(territory=a["territory"], status=Status.SORTIE_A_VENIR)
    counts = {
        status.label: Parcours.objects.filter(territory=a["territory"], status=status).count() for status in Status
    }
    client.force_login(member(Role.PILOTE, territory=a["territory"]))
    response = client.get(reverse("parcours:indicateurs"))
    rows, total = response.context["territories"][0][1]
    shown = {label: str(cellule) for label, cellule in rows}
    assert shown["Sortie à venir"] == "< 11"
    assert shown["Contacté"] == "0"
    # 12 signalés beside "< 11" and a total of 13 would tell the hidden 1: one of them is hidden too.
    assert "secret" in (shown["Signalé"], str(total))
    cellules = {**dict(rows), TOTAL: total}
    valeurs = {**counts, TOTAL: sum(counts.values())}
    assert recomputable(valeurs, [(list(counts), TOTAL)], cellules) == []
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


# The territory queue (aiguillage)


def _signal(a, prenom, *, days_ago=0, **kwargs):
    at = timezone.now() - datetime.timedelta(days=days_ago)
    return SignalementFactory(
        parcours__territory=a["territory"], parcours__jeune__prenom=prenom, parcours__at=at, **kwargs
    ).parcours


def _called_without_answer(a, me, prenom, *, days_ago, **kwargs):
    """A journey signalled `days_ago` days ago that `me` called without an answer, with a call due now."""
    p = _signal(a, prenom, days_ago=days_ago, **kwargs)
    creer_tache(p, "appel", echeance=timezone.now(), motif="Appeler")
    journaliser_contact(p, canal="appel", resultat="sans_reponse", actor=me)
    return p


def _queue(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("parcours:file_active"), params)
    assert response.status_code == 200
    return response


def test_queue_shows_targets_tasks_delivery_failures_and_caseload(client, world):
    a = world["a"]
    me = a["aiguilleur"]
    late = _signal(a, "Tardif", days_ago=4)
    failed = _signal(a, "Echec", days_ago=1)
    wrong = _signal(a, "Erreur", days_ago=1)
    Message.objects.create(
        parcours=failed, jeune=failed.jeune, canal="sms", gabarit="premier_contact", destinataire="+33612345678",
        corps="Bonjour", status=MessageStatus.ECHEC, prevu_le=timezone.now(),
    )  # fmt: skip
    CanalInvalide.objects.create(jeune=wrong.jeune, canal="sms", valeur="+33612345678", raison="Numéro inexistant")
    creer_tache(late, "appel", echeance=timezone.now() - datetime.timedelta(hours=1), motif="Rappeler")
    assigner(late, me, actor=me)
    response = _queue(client, me)
    rows = {p.jeune.prenom: p for p in response.context["parcours"]}
    assert [b.texte.split(" :")[0] for b in rows["Tardif"].badges if b.en_retard] == ["Premier contact"]
    assert rows["Echec"].echec_message and not rows["Echec"].canal_invalide
    assert rows["Erreur"].canal_invalide
    html = response.content.decode()
    assert "Premier contact : en retard depuis le" in html
    assert "Message non remis" in html and "Coordonnée invalide à corriger" in html
    assert "Appel avant le" in html
    assert f"{me} : 1 parcours en cours" in html and "Sans conseiller : 3 parcours en cours" in html
    assert 'class="fr-table__container" tabindex="0"' in html
    assert 'aria-current="page">À traiter (4)</a>' in html


def test_queue_filters(client, world):
    a = world["a"]
    me = a["aiguilleur"]
    spip = OrganisationFactory(territory=a["territory"], kind=OrganisationKind.SPIP)
    young = _signal(a, "Mineur", organisation=spip, parcours__jeune__date_naissance=None,
                    parcours__jeune__tranche_age="15-17")  # fmt: skip
    transitions.transition(young, Status.A_CONTACTER)
    old = _signal(a, "Ancien", days_ago=5, parcours__jeune__date_naissance=datetime.date(1998, 1, 1))
    assigner(old, me, actor=me)
    deferred = _signal(a, "Plus tard")
    reporter(deferred, timezone.localdate() + datetime.timedelta(days=90), via="lien")
    other_commune = _signal(a, "Ailleurs", parcours__jeune__commune=CommuneFactory(nom="Zzville"))

    def names(**params):
        return sorted(p.jeune.prenom for p in _queue(client, me, **params).context["parcours"])

    assert names() == ["Ailleurs", "Ancien", "JeuneA", "Mineur"]
    assert names(statut="a_contacter") == ["Mineur"]
    assert names(prescripteur="spip") == ["Mineur"]
    assert names(age="15-17") == ["Mineur"]
    assert names(age="26-29") == ["Ancien"]
    assert names(commune=other_commune.jeune.commune_id) == ["Ailleurs"]
    assert names(conseiller=me.pk) == ["Ancien"]
    assert names(conseiller="aucun") == ["Ailleurs", "JeuneA", "Mineur"]
    assert names(en_retard="on") == ["Ancien"]
    assert names(reportes="on") == ["Plus tard"]
    html = _queue(client, me, prescripteur="spip").content.decode()
    assert 'name="prescripteur"' in html and "Retirer les filtres" in html
    # The filters besides the search are folded, unless one of them is set.
    assert 'id="autres-filtres"' in html and "fr-collapse--expanded" in html
    assert "fr-collapse--expanded" not in _queue(client, me, q="Mineur").content.decode()
    # A bad value is ignored rather than failing: the whole queue shows, the form says what is wrong.
    response = _queue(client, me, statut="n_importe_quoi")
    assert len(response.context["parcours"]) == 4 and response.context["form"].errors


def test_the_queue_makes_a_fixed_number_of_queries_with_many_rows(client, world, count_queries):
    a = world["a"]
    me = a["aiguilleur"]
    client.force_login(me)

    def add(numbers):
        for n in numbers:
            p = _called_without_answer(a, me, f"Jeune{n}", days_ago=20 + n, parcours__jeune__commune=CommuneFactory())
            assigner(p, me, actor=me)
            reporter(p, timezone.localdate() + datetime.timedelta(days=1 + n % 2 * 60), via="lien")
            Message.objects.create(
                parcours=p, jeune=p.jeune, canal="sms", gabarit="relance", destinataire="+33612345678", corps="…",
                status=MessageStatus.ECHEC, prevu_le=timezone.now(),
            )  # fmt: skip
            _signal(a, f"Sortie{n}", parcours__status=Status.SORTIE_A_VENIR)

    # Every list has rows already, late ones too (a list's prefetches run once it has one, whatever its length).
    add(range(2))
    few = count_queries(reverse("parcours:file_active"))
    late = count_queries(reverse("parcours:file_active") + "?reportes=on&en_retard=on")
    add(range(2, 8))
    assert count_queries(reverse("parcours:file_active")) == few
    assert count_queries(reverse("parcours:file_active") + "?reportes=on&en_retard=on") == late


def test_pilots_see_the_contact_targets_with_small_groups_suppressed(client, world):
    a = world["a"]
    long_ago = timezone.now() - datetime.timedelta(days=60)
    pilot = member(Role.PILOTE, territory=a["territory"])
    client.force_login(pilot)

    def first_attempts(journeys, reached):
        for n in range(journeys):
            p = ParcoursFactory(territory=a["territory"], at=long_ago)
            if n < reached:
                journaliser_contact(p, canal="appel", resultat="joint", at=long_ago + datetime.timedelta(hours=2))
        response = client.get(reverse("parcours:indicateurs"))
        return response.context["territories"][0][2]["premier_essai_72h"], response.content.decode()

    # 9 reached out of 12: 3 were not, few enough to be singled out: no rate.
    part, html = first_attempts(12, 9)
    assert (part.atteints, part.mesures) == (9, 12)
    row = '<th scope="row">Premier essai de contact dans les 72 heures</th>\n  <td>{}</td>\n  <td>{}</td>'
    assert row.format("masqué (secret statistique)", 12) in html
    # 13 more, all reached: 22 out of 25, still 3 not reached; 11 more not reached: 22 out of 36.
    first_attempts(13, 13)
    part, html = first_attempts(11, 0)
    assert (part.atteints, part.mesures) == (22, 36)
    assert row.format(f"{round(100 * 22 / 36)} %", 36) in html
    # Only one first appointment and a few joint meetings: no rate, counts suppressed.
    assert '<th scope="row">Avec une rencontre tripartite</th>\n  <td>—</td>\n  <td>0</td>' in html
    assert "JeuneA" not in html


def test_the_queue_is_paged_and_its_query_count_does_not_grow_with_the_journeys(client, world, count_queries):
    a = world["a"]
    me = a["aiguilleur"]
    client.force_login(me)

    def add(numbers):
        for n in numbers:
            _called_without_answer(a, me, f"Page{n}", days_ago=20 + n % 40)

    add(range(4))
    url = reverse("parcours:file_active") + "?groupe=en_cours"
    few, late = count_queries(url), count_queries(url + "&en_retard=on&q=page")
    total = PAR_PAGE + 10
    add(range(4, total))
    assert count_queries(url) == few and count_queries(url + "&en_retard=on&q=page") == late
    assert count_queries(url + "&page=2") == few

    response = _queue(client, me, groupe="en_cours")
    html = response.content.decode()
    assert len(response.context["parcours"]) == PAR_PAGE
    assert f"{total} parcours en cours (page 1 sur 2)" in html and 'class="fr-pagination"' in html
    # Only the page's young people were shown, so only they are in the audit trail.
    entree = AuditEntry.objects.filter(action=Action.LISTE, object_type="file_active").latest("pk")
    assert len(entree.jeune_ids) == PAR_PAGE
    response = _queue(client, me, groupe="en_cours", q="page", en_retard="on", page="2")
    html = response.content.decode()
    assert len(response.context["parcours"]) == 10 and f"{total} parcours en cours (page 2 sur 2)" in html
    # The page links keep the filters and the tab.
    assert 'href="?groupe=en_cours&amp;q=page&amp;en_retard=on&amp;page=1"' in html
    # A page out of range shows the last one rather than failing.
    assert len(_queue(client, me, groupe="en_cours", page="99").context["parcours"]) == 10


def test_the_queue_searches_by_name_phone_or_e_mail_within_the_territory(client, world):
    a, b = world["a"], world["b"]
    me = a["aiguilleur"]
    mine = _signal(a, "Zéphyrine", parcours__jeune__nom="Baptistin", parcours__jeune__telephone="+33611223344")
    mine.jeune.email = "zephyrine@example.org"
    mine.jeune.save()
    other = _signal(b, "Zéphyrine", parcours__jeune__nom="Baptistin", parcours__jeune__telephone="+33611223345")
    for q in ["zéphyr", "BAPTIST", "06 11 22 33 44", "+33 6 11 22 33 44", "Zephyrine@Example.org"]:
        response = _queue(client, me, q=q)
        assert response.context["parcours"] == [mine], q
    # Another territory's young person of the same name is not found.
    response = _queue(client, me, q="Zéphyrine")
    assert other not in response.context["parcours"] and "+33611223345" not in response.content.decode()
    # Nothing matches: an unreadable phone is just text, the form does not fail.
    response = _queue(client, me, q="06 00")
    assert response.context["parcours"] == [] and not response.context["form"].errors
    assert "Aucun parcours pour ces filtres" in response.content.decode()
    # The search is audited like the list: the young people it showed.
    _queue(client, me, q="baptistin")
    entry = AuditEntry.objects.filter(action=Action.LISTE, object_type="file_active").latest("pk")
    assert entry.jeune_ids == [mine.jeune_id]
