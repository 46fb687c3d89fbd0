"""The territory queue at scale: tabs with their counts, most urgent first, search by letter code, assignment by row
and in bulk, a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sas.aiguillage import services
from sas.aiguillage.file import en_retard, file_active
from sas.aiguillage.groupes import GROUPES
from sas.audit.models import Action, AuditEntry
from sas.espace_jeune.models import LienJeune
from sas.organisations.factories import member
from sas.organisations.models import Role
from sas.parcours import transitions
from sas.parcours.factories import SignalementFactory
from sas.parcours.models import EventKind, Parcours, SignalementSource
from sas.parcours.status import CLOSED, HAND_OFF, Status
from sas.prescription.services import SignalementData, signaler
from sas.rgpd import services as rgpd

pytestmark = pytest.mark.django_db

QUEUE = reverse("parcours:file_active")
BULK = reverse("aiguillage:assigner_lot")


def walk(parcours, *statuses, reason="Motif"):
    for status in statuses:
        transitions.transition(parcours, status, reason=reason)
    return parcours


def get(client, user, **params):
    client.force_login(user)
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    return response


def names(response):
    return [p.jeune.prenom for p in response.context["parcours"]]


def test_every_status_is_in_exactly_one_tab_and_a_closed_one_only_under_clos():
    for status in Status:
        tabs = [g.cle for g in GROUPES if status in g.statuts]
        assert len(tabs) == 1, status
        assert (tabs == ["clos"]) == (status in CLOSED), status


@pytest.fixture
def territoire(make_parcours):
    """One journey at each place of the queue."""
    return {
        "nouveau": make_parcours("Nouveau"),
        "contacte": walk(make_parcours("Joint"), Status.A_CONTACTER, Status.CONTACTE),
        "en_cours": walk(make_parcours("Appel"), Status.A_CONTACTER, Status.CONTACT_EN_COURS),
        "suivi": walk(make_parcours("Suivie"), Status.A_CONTACTER, Status.CONTACTE, *HAND_OFF),
        "clos": walk(make_parcours("Close"), Status.A_CONTACTER, Status.CONTACT_EN_COURS, Status.INJOIGNABLE),
        "ecarte": walk(make_parcours("Ecartee"), Status.HORS_CIBLE),
    }


def test_tabs_with_their_counts_and_a_closed_journey_never_in_progress(client, aiguilleur, territoire):
    response = get(client, aiguilleur)
    expected = {g.cle: sorted(p.jeune.prenom for p in territoire.values() if p.status in g.statuts) for g in GROUPES}
    assert {g.cle: n for g, n in response.context["file"].groupes} == {k: len(v) for k, v in expected.items()}
    assert response.context["file"].groupe.cle == "a_traiter"
    for groupe in GROUPES:
        response = get(client, aiguilleur, groupe=groupe.cle)
        assert sorted(names(response)) == expected[groupe.cle]
    assert "Close" not in names(get(client, aiguilleur, groupe="en_cours"))
    html = get(client, aiguilleur, groupe="clos").content.decode()
    assert f'aria-current="page">Clos ({len(expected["clos"])})</a>' in html
    assert f'href="?groupe=en_cours">En cours ({len(expected["en_cours"])})</a>' in html
    # The counts follow the filters; a search lands on the first tab holding someone.
    response = get(client, aiguilleur, q="suivie")
    assert response.context["file"].groupe.cle == "en_suivi" and names(response) == ["Suivie"]
    assert {g.cle: n for g, n in response.context["file"].groupes} == {
        "a_traiter": 0,
        "en_cours": 0,
        "en_suivi": 1,
        "clos": 0,
    }


def test_most_urgent_first_and_the_lateness_filter_agrees_with_the_badges(client, aiguilleur, make_parcours, ase):
    now = timezone.now()
    days = datetime.timedelta(days=1)
    fresh = make_parcours("Frais", at=now - datetime.timedelta(hours=2))
    late = make_parcours("Tardif", at=now - 5 * days)
    later = make_parcours("Tres tardif", at=now - 8 * days)
    tried = make_parcours("Essaye", at=now - 6 * days)
    services.journaliser_contact(tried, canal="appel", resultat="sans_reponse", at=now - 5 * days)
    tried.refresh_from_db()
    exit_soon = SignalementFactory(
        organisation=ase,
        parcours__territory=ase.territory,
        parcours__status=Status.SORTIE_A_VENIR,
        parcours__jeune__prenom="Sortie",
        fin_accompagnement_le=timezone.localdate() + 2 * days,
    ).parcours
    response = get(client, aiguilleur)
    # The deadlines: 8-day-old and 5-day-old first attempts missed, the new one's due in 70 hours, the exit in two
    # days, the attempted one's contact decision due on day 15.
    assert names(response) == ["Tres tardif", "Tardif", "Sortie", "Frais"]
    assert names(get(client, aiguilleur, groupe="en_cours")) == ["Essaye"]
    queue = file_active(aiguilleur, filtres={"groupe": "a_traiter"})
    flagged = set(Parcours.objects.filter(en_retard(now)).values_list("pk", flat=True))
    for p in queue.parcours + file_active(aiguilleur, filtres={"groupe": "en_cours"}).parcours:
        assert p.en_retard == (p.pk in flagged), p.jeune.prenom
    assert flagged == {late.pk, later.pk}
    assert names(get(client, aiguilleur, en_retard="on")) == ["Tres tardif", "Tardif"]
    assert exit_soon.pk not in flagged and fresh.pk not in flagged


def test_the_letter_code_finds_the_journey_within_the_territory_only(client, aiguilleur, make_parcours):
    mine = make_parcours("Lettre")
    make_parcours("Autre")
    lien = LienJeune.creer(mine)
    for q in [lien.token, lien.token.upper(), f"  {lien.token} "]:
        assert names(get(client, aiguilleur, q=q)) == ["Lettre"], q
    # An expired link's code still names the journey: the young person calls with an old letter.
    LienJeune.objects.filter(pk=lien.pk).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    assert names(get(client, aiguilleur, q=lien.token)) == ["Lettre"]
    ident, _, signature = lien.token.partition("-")
    assert names(get(client, aiguilleur, q=f"{ident}-{signature[::-1]}")) == []
    other = SignalementFactory(parcours__jeune__prenom="Loin").parcours
    elsewhere = LienJeune.creer(other)
    response = get(client, aiguilleur, q=elsewhere.token)
    assert names(response) == [] and "Loin" not in response.content.decode()
    assert names(get(client, member(Role.AIGUILLEUR, territory=other.territory), q=elsewhere.token)) == ["Loin"]


def test_assign_to_me_from_the_row(client, aiguilleur, collegue, make_parcours):
    mine, theirs = make_parcours("Mienne"), make_parcours("Sienne")
    services.assigner(mine, aiguilleur, actor=aiguilleur)
    html = get(client, aiguilleur).content.decode()
    assert html.count("Me l'attribuer") == 1 and 'Me l\'attribuer<span class="fr-sr-only"> : Sienne' in html
    assert "<select" not in html.split('id="attribution-lot-legende"')[0].split("<table>")[1]
    response = client.post(
        reverse("aiguillage:assigner", args=[theirs.uuid]),
        {"affectation-conseiller": aiguilleur.pk, "next": QUEUE},
    )
    assert response.url == QUEUE
    theirs.refresh_from_db()
    assert theirs.conseiller == aiguilleur
    event = theirs.events.get(kind=EventKind.AFFECTATION)
    assert (event.actor, event.detail["conseiller"]) == (aiguilleur, aiguilleur.pk)
    assert AuditEntry.objects.filter(action=Action.MODIFICATION, object_id=str(theirs.pk)).exists()


def test_bulk_assignment_of_the_ticked_journeys(client, aiguilleur, collegue, make_parcours):
    first, second, untouched = make_parcours("Un"), make_parcours("Deux"), make_parcours("Trois")
    client.force_login(aiguilleur)
    data = {"parcours": [first.uuid, second.uuid], "conseiller": collegue.pk, "next": QUEUE}
    response = client.post(BULK, data, follow=True)
    assert "2 parcours attribués à" in response.content.decode()
    for p in (first, second):
        p.refresh_from_db()
        assert p.conseiller == collegue
        assert p.events.get(kind=EventKind.AFFECTATION).actor == aiguilleur
    untouched.refresh_from_db()
    assert untouched.conseiller is None
    audited = AuditEntry.objects.filter(action=Action.MODIFICATION, object_type="parcours.parcours")
    assert sorted(audited.values_list("object_id", flat=True)) == sorted([str(first.pk), str(second.pk)])
    client.post(BULK, {"parcours": [first.uuid], "conseiller": "aucun"})
    first.refresh_from_db()
    assert first.conseiller is None
    # Nothing ticked, no counsellor chosen, a counsellor outside the team: said, nothing changes.
    outsider = member(Role.AIGUILLEUR, territory=first.territory)
    for bad, message in [
        ({"conseiller": collegue.pk}, "Cochez au moins un parcours."),
        ({"parcours": [untouched.uuid], "conseiller": ""}, "Ce champ est obligatoire."),
        ({"parcours": [untouched.uuid], "conseiller": outsider.pk}, "Sélectionnez un choix valide"),
        ({"parcours": ["pas-un-uuid"], "conseiller": collegue.pk}, "Parcours inconnu."),
    ]:
        assert message in client.post(BULK, bad, follow=True).content.decode()
    untouched.refresh_from_db()
    assert untouched.conseiller is None


def test_the_queue_offers_one_bulk_form_for_the_page(client, aiguilleur, collegue, make_parcours):
    for n in range(3):
        make_parcours(f"Jeune{n}")
    html = get(client, aiguilleur).content.decode()
    assert html.count('form="attribution-lot"') == 3 + 2  # a box a row, the select and the button
    assert html.count('<select class="fr-select" id="attribution-lot-conseiller"') == 1
    assert f'<option value="{collegue.pk}">' in html


@pytest.mark.parametrize("intruder", ["other_aiguilleur", "prescripteur", "anonymous"])
def test_bulk_assignment_refused_outside_the_territory(client, aiguilleur, make_parcours, intruder, ase):
    mine = make_parcours("Mienne")
    other = SignalementFactory(parcours__jeune__prenom="Loin").parcours
    if intruder == "other_aiguilleur":
        user = member(Role.AIGUILLEUR, territory=other.territory)
        client.force_login(user)
        data = {"parcours": [mine.uuid], "conseiller": user.pk}
        assert client.post(BULK, data).status_code == 404
        # Mixed with one of their own journeys: the whole batch is refused.
        data = {"parcours": [mine.uuid, other.uuid], "conseiller": user.pk}
        assert client.post(BULK, data).status_code == 404
        other.refresh_from_db()
        assert other.conseiller is None
    elif intruder == "prescripteur":
        client.force_login(member(Role.PRESCRIPTEUR, ase))
        assert client.post(BULK, {"parcours": [mine.uuid], "conseiller": aiguilleur.pk}).status_code == 403
    else:
        response = client.post(BULK, {"parcours": [mine.uuid], "conseiller": aiguilleur.pk})
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    mine.refresh_from_db()
    assert mine.conseiller is None and not mine.events.filter(kind=EventKind.AFFECTATION).exists()


def test_my_territorys_journey_mixed_with_another_is_refused_whole(client, aiguilleur, make_parcours):
    mine = make_parcours("Mienne")
    other = SignalementFactory(parcours__jeune__prenom="Loin").parcours
    client.force_login(aiguilleur)
    assert client.post(BULK, {"parcours": [mine.uuid, other.uuid], "conseiller": aiguilleur.pk}).status_code == 404
    mine.refresh_from_db()
    assert mine.conseiller is None


def test_bulk_assignment_requires_csrf(aiguilleur, make_parcours):
    mine = make_parcours("Mienne")
    client = Client(enforce_csrf_checks=True)
    client.force_login(aiguilleur)
    assert client.post(BULK, {"parcours": [mine.uuid], "conseiller": aiguilleur.pk}).status_code == 403
    mine.refresh_from_db()
    assert mine.conseiller is None


def _rich(make_parcours, aiguilleur, n, ase):
    """`n` journeys of each kind the page shows, with what each row loads (signalements, events, tasks, links)."""
    now = timezone.now()
    for i in range(n):
        p = make_parcours(f"Charge{i}", at=now - datetime.timedelta(days=3 + i))
        services.assigner(p, aiguilleur, actor=aiguilleur)
        services.creer_tache(p, "appel", echeance=now, motif="Appeler")
        SignalementFactory(parcours=p, organisation=ase)
        LienJeune.creer(p)
        rgpd.deposer_reclamation(p, "Mon adresse est fausse")
        q = make_parcours(f"Charge{i}b", at=now - datetime.timedelta(days=20 + i))
        services.journaliser_contact(q, canal="appel", resultat="sans_reponse", actor=aiguilleur)
        rgpd.demander_effacement(q)
        walk(make_parcours(f"Charge{i}c"), Status.HORS_CIBLE)
        SignalementFactory(
            organisation=ase,
            parcours__territory=ase.territory,
            parcours__status=Status.SORTIE_A_VENIR,
            fin_accompagnement_le=timezone.localdate() + datetime.timedelta(days=10 + i),
        )


# Session, user, their second factor and memberships, the teams (once for the filters and the rows), the filters'
# communes, the tabs' counts (with the open requests on data and the pending decisions), the page's journeys, their
# rows and two prefetches, the teams' caseloads with the overdue counts, the audit entry; on the first tab, when some
# decisions are pending, the two lists of them and their rows' two prefetches; a search first finds its journeys.
PAGES = [
    ({}, False, 13),
    ({}, True, 17),
    ({"q": "charge"}, False, 14),
    ({"q": "charge"}, True, 18),
    ({"groupe": "en_cours", "en_retard": "on", "prescripteur": "ase"}, True, 13),
    ({"groupe": "clos", "page": "2"}, True, 13),
]


@pytest.mark.parametrize(("params", "en_attente", "queries"), PAGES)
def test_the_queue_makes_a_fixed_number_of_queries(
    client, aiguilleur, make_parcours, ase, params, en_attente, queries, django_assert_num_queries
):
    client.force_login(aiguilleur)
    if en_attente:
        SignalementFactory(
            organisation=ase, parcours__territory=ase.territory, parcours__jeune__prenom="Charge", verifie=False
        )
    _rich(make_parcours, aiguilleur, 2, ase)
    with django_assert_num_queries(queries):
        assert client.get(QUEUE, params).status_code == 200
    _rich(make_parcours, aiguilleur, 30, ase)
    with django_assert_num_queries(queries):
        response = client.get(QUEUE, params)
    assert response.context["parcours"]
    assert bool(response.context["file"].a_verifier) == (en_attente and not params.get("groupe"))


# What the queue never reads: what was said of a young person's situation, their address, a task's note, and the
# password hash of anyone but the user whose session is checked.
JAMAIS_LUS = [
    '"parcours_signalement"."motif"',
    '"parcours_signalement"."freins_connus"',
    '"parcours_signalement"."deja_essaye"',
    '"jeunes_jeune"."adresse"',
    '"aiguillage_tachecontact"."note"',
]


@pytest.mark.parametrize("params", [{}, {"groupe": "en_cours"}])
def test_the_queue_reads_no_more_of_a_person_than_it_shows(client, aiguilleur, make_parcours, ase, params):
    SignalementFactory(
        organisation=ase, parcours__territory=ase.territory, parcours__jeune__prenom="Charge", verifie=False
    )
    existant = make_parcours(prenom="Inès", email="ines@example.org")
    existant.territory.communes.add(existant.jeune.commune)
    # The same e-mail, signalled by a relative: a possible duplicate.
    data = SignalementData(prenom="Inès", commune=existant.jeune.commune, email="ines@example.org", tranche_age="18-21")
    signaler(data, source=SignalementSource.PROCHE)
    _rich(make_parcours, aiguilleur, 2, ase)
    client.force_login(aiguilleur)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE, params)
    assert response.context["parcours"]
    assert bool(response.context["file"].doublons) == (not params)
    sql = [query["sql"] for query in queries.captured_queries]
    assert [column for column in JAMAIS_LUS if any(column in statement for statement in sql)] == []
    passwords = [statement for statement in sql if '"organisations_user"."password"' in statement]
    assert len(passwords) == 1
    assert f'WHERE "organisations_user"."id" = {aiguilleur.pk}' in passwords[0]


@pytest.mark.parametrize("resolus_max", [1, 5000])
def test_a_filter_finds_the_same_journeys_resolved_or_as_a_subquery(
    client, aiguilleur, make_parcours, resolus_max, monkeypatch
):
    monkeypatch.setattr("sas.aiguillage.file.RESOLUS_MAX", resolus_max)
    now = timezone.now()
    for n, days in enumerate([1, 4, 6]):
        make_parcours(f"Filtre{n}", at=now - datetime.timedelta(days=days))
    make_parcours("Autre", at=now - datetime.timedelta(days=9))
    response = get(client, aiguilleur, q="filtre", en_retard="on")
    assert names(response) == ["Filtre2", "Filtre1"]
    assert {g.cle: n for g, n in response.context["file"].groupes}["a_traiter"] == 2


def test_open_requests_on_their_data_are_badged_counted_and_filtered_in_the_queue(
    client, aiguilleur, make_parcours, ase
):
    efface = make_parcours("Effacement")
    rgpd.demander_effacement(efface)
    plainte = make_parcours("Plainte")
    reclamation = rgpd.deposer_reclamation(plainte, "Mon nom est mal écrit")
    # Closed since: the request still waits for its answer.
    walk(plainte, Status.HORS_CIBLE)
    make_parcours("Calme")
    ailleurs = member(Role.AIGUILLEUR)
    autre = SignalementFactory(parcours__territory=ailleurs.memberships.get().organisation.territory).parcours
    rgpd.demander_effacement(autre)

    response = get(client, aiguilleur)
    assert response.context["file"].demandes_donnees == 2
    assert "2 jeunes attendent une réponse sur leurs données" in response.content.decode()
    badges = {p.jeune.prenom: p.demande_donnees for p in response.context["parcours"]}
    assert badges["Effacement"] and not badges["Calme"]
    assert "Demande sur ses données" in response.content.decode()

    response = get(client, aiguilleur, demandes="on", groupe="clos")
    assert names(response) == ["Plainte"]
    assert {g.cle: n for g, n in response.context["file"].groupes}["clos"] == 1

    rgpd.repondre(reclamation, "Corrigé.", actor=aiguilleur)
    response = get(client, aiguilleur, demandes="on")
    assert names(response) == ["Effacement"]
    assert response.context["file"].demandes_donnees == 1
