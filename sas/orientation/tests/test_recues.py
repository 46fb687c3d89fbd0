"""'Orientations reçues' at scale: a search by the name the structure may read, the statuses as filters with their
counts, pages, the same list as a CSV file, and the young person's name only under their consent (initials
otherwise). Expected names come from partage_visible(), the rule of what a structure reads of one referral."""

import collections
import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from sas.annuaire.factories import create_catalogue, service_row, structure_row
from sas.annuaire.models import Service
from sas.audit.models import Action, AuditEntry
from sas.browser_testing import filtrer, needs_browser, parcourir_liste, serious_violations, telecharger_csv
from sas.jeunes.models import CollectionMethod
from sas.organisations.factories import MembershipFactory, OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.orientation import recues, retrait, services
from sas.orientation.models import FINALS, ActorKind, Orientation, OrientationStatus, Reason
from sas.orientation.transitions import transition
from sas.parcours import transitions
from sas.parcours.factories import SignalementFactory
from sas.parcours.status import Status
from sas.tests.listes import assert_filtered_and_captioned

pytestmark = pytest.mark.django_db

T0 = timezone.now() - datetime.timedelta(days=20)
URL, EXPORT = reverse("orientation:recues"), reverse("orientation:recues_csv")


def day(n):
    return T0 + datetime.timedelta(days=n)


@pytest.fixture
def accueil(territory):
    return OrganisationFactory(territory=territory, kind=OrganisationKind.STRUCTURE_ACCUEIL, nom="FJT Villeurbanne")


@pytest.fixture
def autre(territory):
    return OrganisationFactory(territory=territory, kind=OrganisationKind.STRUCTURE_ACCUEIL, nom="Mobilité Lyon")


@pytest.fixture
def ailleurs():
    return OrganisationFactory(territory=TerritoryFactory(), kind=OrganisationKind.STRUCTURE_ACCUEIL, nom="FJT Lille")


@pytest.fixture
def catalogue(accueil, autre, ailleurs):
    """Two sites of the FJT (one organisation), a mobility platform and a structure of another territory."""
    owners = {"fjt": accueil, "fjt2": accueil, "mob": autre, "lille": ailleurs}
    create_catalogue(
        [structure_row(key, nom=f"Structure {key}", courriel=f"{key}@example.org") for key in owners],
        [service_row(f"service-{key}", structure=key, nom=f"Service {key}") for key in owners],
    )
    found = {}
    for service in Service.objects.select_related("structure"):
        key = service.identifiant.removeprefix("test--service-")
        service.structure.organisation = owners[key]
        service.structure.save()
        found[key] = service
    return found


@pytest.fixture
def structure_user(accueil):
    return member(Role.STRUCTURE, accueil)


def orienter(service, prenom, nom, *, at):
    """A young person whose diagnostic is done, referred to `service` with their consent at `at`."""
    parcours = SignalementFactory(
        parcours__territory=service.structure.organisation.territory,
        parcours__at=at,
        parcours__jeune__prenom=prenom,
        parcours__jeune__nom=nom,
    ).parcours
    for status in (Status.A_CONTACTER, Status.CONTACTE, Status.DIAGNOSTIC_FAIT):
        transitions.transition(parcours, status, at=at)
    services.consentir(parcours, service.structure, diagnostic=False, via=CollectionMethod.ORAL, at=at)
    return services.envoyer(parcours, service, actor_kind=ActorKind.CONSEILLER, at=at)


@pytest.fixture
def situation(catalogue):
    fjt, fjt2, mob, lille = (catalogue[key] for key in ("fjt", "fjt2", "mob", "lille"))
    ines = orienter(fjt, "Inès", "Perrin", at=day(0))
    sam = orienter(fjt, "Sam", "Diallo", at=day(1))
    transition(sam, OrientationStatus.ACCEPTEE, actor_kind=ActorKind.STRUCTURE, at=day(2))
    services.fixer_rdv(sam, day(5), at=day(3))
    lea = orienter(fjt2, "Léa", "Martin", at=day(2))
    transition(lea, OrientationStatus.REFUSEE, actor_kind=ActorKind.STRUCTURE, reason=Reason.PAS_DE_PLACE, at=day(3))
    # She withdrew her agreement for the FJT: it keeps only the cancelled referral, and her initials.
    zoe = orienter(fjt, "Zoé", "Bernard", at=day(3))
    retrait.retirer_consentement(zoe.parcours, structure=zoe.structure, actor_kind=ActorKind.JEUNE, at=day(4))
    noe = orienter(mob, "Noé", "Perrin", at=day(4))
    nord = orienter(lille, "Inès", "Perrin", at=day(5))
    return {"accueil": [ines, sam, lea, zoe], "autre": [noe], "ailleurs": [nord]}


def attendu(orientation):
    """The name partage_visible() lets the structure read, else the initials of what was sent."""
    orientation.refresh_from_db()
    visible = services.partage_visible(orientation).get("identite")
    sent = orientation.partage["identite"]
    if visible:
        return f"{visible['prenom']} {visible['nom']}"
    return f"{sent['prenom'][0]}. {sent['nom'][0]}."


def expected_order(orientations):
    """Those waiting for an answer first, newest first within each."""
    return sorted(orientations, key=lambda o: (o.status in FINALS, -o.envoyee_le.timestamp(), -o.pk))


def fresh(orientations):
    return [Orientation.objects.get(pk=o.pk) for o in orientations]


def read_csv(response):
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_the_full_name_only_under_the_young_persons_consent(situation, structure_user, client):
    mine = fresh(situation["accueil"])
    names = {ligne.orientation.pk: ligne.nom for ligne in recues.liste(structure_user).lignes}
    assert names == {o.pk: attendu(o) for o in mine}
    zoe = mine[3]
    assert zoe.status == OrientationStatus.ANNULEE and names[zoe.pk] == "Z. B."
    assert names[mine[0].pk] == "Inès Perrin"
    client.force_login(structure_user)
    html = client.get(URL).content.decode()
    assert "Zoé" not in html and "Bernard" not in html and "Inès Perrin" in html
    exported = [row[0] for row in read_csv(client.get(EXPORT))[1:]]
    assert "Z. B." in exported and not [name for name in exported if "Zoé" in name or "Bernard" in name]


def test_a_search_finds_only_the_names_the_structure_may_read(situation, structure_user):
    def names(recherche, status=""):
        return [ligne.nom for ligne in recues.liste(structure_user, recherche=recherche, status=status).lignes]

    assert names("perrin") == ["Inès Perrin"]  # not the mobility platform's nor Lille's
    assert names("inès PERRIN") == ["Inès Perrin"]
    assert names("sam") == ["Sam Diallo"] and names("sam", OrientationStatus.REFUSEE) == []
    # Her name was sent, but she withdrew: no search tells the structure who "Z. B." is.
    assert names("Zoé") == [] and names("Bernard") == []
    found = recues.liste(structure_user, recherche="a")
    readable = [o for o in fresh(situation["accueil"]) if "a" in attendu(o).lower() and "." not in attendu(o)]
    assert 0 < found.total == len(readable)
    assert {code: n for code, _, n in found.statuts} == collections.Counter(o.status for o in readable)


def test_each_status_is_a_filter_with_its_count(situation, structure_user):
    mine = fresh(situation["accueil"])
    counts = collections.Counter(o.status for o in mine)
    found = recues.liste(structure_user)
    assert found.statuts == [(code, label, counts[code]) for code, label in OrientationStatus.choices if counts[code]]
    assert found.total == len(mine)
    for code in counts:
        rows = recues.liste(structure_user, status=code).lignes
        assert [ligne.orientation.pk for ligne in rows] == [o.pk for o in expected_order(mine) if o.status == code]
    empty = recues.liste(structure_user, status=OrientationStatus.EXPIREE)
    assert (OrientationStatus.EXPIREE, OrientationStatus.EXPIREE.label, 0) in empty.statuts and empty.lignes == []


def test_pages_keep_the_search_and_the_filter(situation, structure_user, client, monkeypatch):
    monkeypatch.setattr(recues, "PAR_PAGE", 1)
    order = [o.pk for o in expected_order(fresh(situation["accueil"]))]
    pages = [[ligne.orientation.pk for ligne in recues.liste(structure_user, page=n).lignes] for n in range(1, 5)]
    assert pages == [[pk] for pk in order]
    client.force_login(structure_user)
    readable_with_i = [o for o in fresh(situation["accueil"]) if "i" in attendu(o).lower() and "." not in attendu(o)]
    html = client.get(URL, {"q": "i", "statut": ""}).content.decode()
    assert len(readable_with_i) > 1
    assert 'href="?q=i&amp;statut=&amp;page=2"' in html and f"(page 1 sur {len(readable_with_i)})" in html
    assert "Pagination des orientations reçues" in html


def test_the_page_and_the_export_take_the_same_number_of_queries_whatever_the_number_of_referrals(
    catalogue, structure_user, client, count_queries, monkeypatch
):
    monkeypatch.setattr(recues, "PAR_PAGE", 2)
    client.force_login(structure_user)
    orienter(catalogue["fjt"], "Inès", "Perrin", at=day(0))

    def measure():
        return [
            count_queries(URL),
            count_queries(f"{URL}?q=e&statut={OrientationStatus.ENVOYEE}"),
            count_queries(EXPORT),
        ]

    one = measure()
    for n in range(6):
        orientation = orienter(catalogue["fjt" if n % 2 else "fjt2"], f"Jeune{n}", "Perrin", at=day(n))
        if n % 3 == 0:
            transition(orientation, OrientationStatus.ACCEPTEE, actor_kind=ActorKind.STRUCTURE, at=day(n))
    assert count_queries(f"{URL}?page=3") == count_queries(URL)
    assert measure() == one


def test_the_list_itself_takes_a_fixed_number_of_queries(situation, structure_user, django_assert_num_queries):
    assert structure_user.active_memberships  # loaded once per request, before any list
    # The search's candidates and the consents covering them, the status counts, the page's count and rows, and
    # the consents covering the page's rows.
    with django_assert_num_queries(6):
        recues.liste(structure_user, recherche="i")
    with django_assert_num_queries(4):
        recues.liste(structure_user, status=OrientationStatus.ENVOYEE)


def test_the_export_is_the_filtered_list_on_every_page_with_its_columns(situation, structure_user, client):
    client.force_login(structure_user)
    rows = read_csv(client.get(EXPORT, {"page": 2}))

    def date(moment):
        return timezone.localtime(moment).strftime("%d/%m/%Y") if moment else ""

    assert rows[0] == recues.ENTETE
    assert rows[1:] == [
        [
            attendu(o),
            o.structure.nom,
            o.service.nom,
            date(o.envoyee_le),
            o.get_status_display(),
            date(o.status_changed_at),
            date(o.premier_rdv_le),
        ]
        for o in expected_order(fresh(situation["accueil"]))
    ]
    assert [row[-1] for row in rows if row[0] == "Sam Diallo"] == [date(day(5))]  # his first meeting
    only = read_csv(client.get(EXPORT, {"statut": OrientationStatus.REFUSEE}))
    assert [row[0] for row in only[1:]] == [attendu(o) for o in fresh(situation["accueil"]) if o.status == "refusee"]


def test_a_name_sent_as_a_formula_is_neutralised(catalogue, structure_user, client):
    orienter(catalogue["fjt"], '=HYPERLINK("http://exemple.invalid")', "+1", at=day(0))
    orienter(catalogue["fjt"], "@SOMME(A1)", "Dupont", at=day(1))
    client.force_login(structure_user)
    names = [row[0] for row in read_csv(client.get(EXPORT))[1:]]
    assert names == ["'@SOMME(A1) Dupont", '\'=HYPERLINK("http://exemple.invalid") +1']


def test_the_list_and_the_export_are_audited_with_what_they_show(situation, structure_user, client, monkeypatch):
    monkeypatch.setattr(recues, "PAR_PAGE", 2)
    client.force_login(structure_user)
    order = expected_order(fresh(situation["accueil"]))
    client.get(URL, {"page": 2})
    entry = AuditEntry.objects.get(action=Action.LISTE, object_type="orientation.orientation")
    assert entry.actor == structure_user
    assert entry.jeune_ids == sorted(o.parcours.jeune_id for o in order[2:4])
    client.get(EXPORT)
    entry = AuditEntry.objects.get(action=Action.EXPORT, object_type="orientation.orientation")
    assert entry.jeune_ids == sorted(o.parcours.jeune_id for o in order)
    assert entry.detail == {"page": "orientations_recues", "status": "", "lignes": len(order)}


@pytest.mark.parametrize("key", ["autre", "ailleurs"], ids=["other-organisation", "other-territory"])
def test_another_structure_reads_only_its_own_in_the_page_and_the_export(situation, request, client, key):
    user = member(Role.STRUCTURE, request.getfixturevalue(key))
    client.force_login(user)
    theirs = [attendu(o) for o in fresh(situation[key])]
    html = client.get(URL).content.decode()
    assert [row[0] for row in read_csv(client.get(EXPORT))[1:]] == theirs
    for o in fresh(situation["accueil"]):
        assert reverse("orientation:recue", args=[o.pk]) not in html
    assert "Sam Diallo" not in html and "Léa" not in html
    assert read_csv(client.get(EXPORT, {"q": "Sam"})) == [recues.ENTETE]


@pytest.mark.parametrize(
    "who",
    [
        lambda territory: member(Role.PRESCRIPTEUR, territory=territory),
        lambda territory: member(Role.AIGUILLEUR, territory=territory),
        lambda territory: member(Role.PILOTE, territory=territory),
    ],
    ids=["prescriber", "aiguilleur", "pilot"],
)
def test_other_roles_get_403_and_anonymous_visitors_the_login_page(situation, client, territory, who):
    for url in (URL, EXPORT):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(who(territory))
    for url in (URL, EXPORT):
        assert client.get(url).status_code == 403
    assert not AuditEntry.objects.filter(action__in=[Action.LISTE, Action.EXPORT]).exists()


def test_a_member_of_two_structures_sees_which_one_each_referral_went_to(situation, structure_user, autre, client):
    MembershipFactory(user=structure_user, organisation=autre, role=Role.STRUCTURE)
    client.force_login(structure_user)
    html = client.get(URL).content.decode()
    assert '<th scope="col">Structure</th>' in html
    found = recues.liste(structure_user)
    assert {ligne.orientation.pk for ligne in found.lignes} == {o.pk for o in situation["accueil"] + situation["autre"]}


def test_the_page_shows_the_filters_labelled_and_the_table_captioned(situation, structure_user, client):
    client.force_login(structure_user)
    html = client.get(URL, {"statut": OrientationStatus.ENVOYEE}).content.decode()
    n = collections.Counter(o.status for o in fresh(situation["accueil"]))[OrientationStatus.ENVOYEE]
    label = OrientationStatus.ENVOYEE.label
    assert_filtered_and_captioned(
        html,
        champ="statut",
        valeur="envoyee",
        libelle=label,
        nombre=n,
        legende=f"{n} orientation{'s' if n > 1 else ''} reçue{'s' if n > 1 else ''}, statut « {label} »",
        export=EXPORT,
    )


@needs_browser
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_the_structure_pages_filters_searches_and_downloads(
    situation, structure_user, telephone, log_in, live_server, monkeypatch
):
    monkeypatch.setattr(recues, "PAR_PAGE", 2)
    page = telephone
    log_in(page, structure_user, URL)
    parcourir_liste(page, "Orientations reçues", pages=2)
    assert "Z. B." in page.locator("tbody").inner_text()

    filtrer(page, "Filtrer par statut", f"{OrientationStatus.REFUSEE.label} (1)")
    page.get_by_text(f"1 orientation reçue, statut « {OrientationStatus.REFUSEE.label} »").wait_for()
    refused = fresh(situation["accueil"])[2]
    assert page.get_by_role("link", name=re.compile(f"^{attendu(refused)}.*orientation du")).count() == 1
    page.get_by_role("link", name="Retirer la recherche et les filtres").click()
    page.get_by_label("Rechercher un jeune").fill("Perrin")
    page.get_by_role("button", name="Afficher").click()
    page.get_by_role("link", name=re.compile("^Inès Perrin")).wait_for()
    assert serious_violations(page) == []

    nom, lignes = telecharger_csv(page, "Télécharger cette liste (CSV, 1 ligne)")
    assert nom.startswith("orientations-recues-")
    assert [row[0] for row in lignes] == ["Jeune", "Inès Perrin"]
    page.context.close()
