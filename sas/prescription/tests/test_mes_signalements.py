"""'Mes signalements' at scale: a search by the name the prescripteur typed, the stages they may see as filters with
their counts, pages, and the same list as a CSV file. Expected figures come from vue_prescripteur() on the
situation built here, the one rule of what a prescripteur sees."""

import collections
import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from sas.audit.models import Action, AuditEntry
from sas.browser_testing import filtrer, needs_browser, parcourir_liste, serious_violations, telecharger_csv
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours import transitions
from sas.parcours.factories import SignalementFactory, parcours_signale
from sas.parcours.status import PRESCRIBER_MILESTONES, Status
from sas.permissions import organisations_for_role, parcours_followed_by
from sas.permissions.suivi import LIBELLES, avec_etape, vue_prescripteur
from sas.prescription import liste
from sas.tests.listes import assert_filtered_and_captioned

pytestmark = pytest.mark.django_db

S = Status
T0 = timezone.now() - datetime.timedelta(days=60)
# What a counsellor wrote on each move: never for a prescripteur's eyes.
NOTE = "Vu au commissariat de Vénissieux"
URL, EXPORT = reverse("parcours:mes_signalements"), reverse("parcours:mes_signalements_csv")


def day(n):
    return T0 + datetime.timedelta(days=n)


def signaler(organisation, prenom, nom, *, at, moves=()):
    """A journey `organisation` signalled at `at` as `prenom nom`, moved through `moves` a day apart."""
    parcours = parcours_signale(organisation, at=at, jeune={"prenom": prenom, "nom": nom}, created_at=at)
    for n, status in enumerate(moves, 1):
        transitions.transition(parcours, status, reason=NOTE, at=at + datetime.timedelta(days=n))
    return parcours


def joindre(parcours, organisation, prenom, nom, *, at):
    """`organisation` signals a young person already followed: their signalement joins the journey at `at`."""
    SignalementFactory(parcours=parcours, organisation=organisation, created_at=at, prenom=prenom, nom=nom)


@pytest.fixture
def spip(territory):
    return OrganisationFactory(territory=territory, kind=OrganisationKind.SPIP, nom="SPIP du Rhône")


@pytest.fixture
def situation(ase, spip):
    """The ASE's own journeys at several stages, two it joined after the SPIP had started them (the record there
    bears the name the SPIP gave), the SPIP's own, and a namesake on another territory."""
    ailleurs = OrganisationFactory(territory=TerritoryFactory(), kind=OrganisationKind.ASE, nom="ASE du Nord")
    ines = signaler(ase, "Inès", "Perrin", at=day(0), moves=[S.A_CONTACTER, S.CONTACTE])
    sam = signaler(ase, "Sam", "Diallo", at=day(1), moves=[S.A_CONTACTER, S.CONTACT_EN_COURS, S.INJOIGNABLE])
    lea = signaler(ase, "Léa", "Martin", at=day(2))
    # Joined after the SPIP's moves: the ASE follows from its own signalement, then one move happens.
    zoe = signaler(spip, "Zoé", "Bernard", at=day(3), moves=[S.A_CONTACTER, S.CONTACTE])
    joindre(zoe, ase, "Zoe", "", at=day(10))
    transitions.transition(zoe, S.DIAGNOSTIC_FAIT, at=day(11))
    # Joined with no move since: "signalé" for the ASE, whatever the journey's status.
    noe = signaler(spip, "Noé", "Lambert", at=day(4), moves=[S.A_CONTACTER])
    joindre(noe, ase, "Noé", "L", at=day(12))
    spip_only = signaler(spip, "Yanis", "Perrin", at=day(5), moves=[S.A_CONTACTER])
    elsewhere = signaler(ailleurs, "Inès", "Perrin", at=day(6))
    return {
        "ase": [ines, sam, lea, zoe, noe],
        "spip": [zoe, noe, spip_only],
        "ailleurs": [elsewhere],
    }


def vues(user):
    """{journey id: what vue_prescripteur() shows `user`} for all their journeys."""
    return {p.pk: vue_prescripteur(p) for p in parcours_followed_by(user)}


def expected_order(user, keep=lambda vue: True):
    """The user's journeys vue_prescripteur() keeps, newest of their signalements first."""
    shown = [(vue.depuis, pk) for pk, vue in vues(user).items() if keep(vue)]
    return [pk for _, pk in sorted(shown, reverse=True)]


def read_csv(response):
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_the_stage_computed_in_sql_is_the_one_vue_prescripteur_shows(situation, prescripteur):
    organisation_ids = [o.pk for o in organisations_for_role(prescripteur, Role.PRESCRIPTEUR)]
    annotated = {p.pk: p for p in avec_etape(parcours_followed_by(prescripteur), organisation_ids)}
    shown = vues(prescripteur)
    assert annotated.keys() == shown.keys() == {p.pk for p in situation["ase"]}
    for pk, vue in shown.items():
        assert (annotated[pk].suivi_etape, annotated[pk].suivi_depuis) == (vue.etape.code, vue.depuis)
    # The situation covers both cases where the journey's status is not what the ASE sees.
    noe, zoe = situation["ase"][4], situation["ase"][3]
    assert shown[noe.pk].etape.code == S.SIGNALE != noe.status
    assert shown[zoe.pk].etape.code == S.DIAGNOSTIC_FAIT


def test_each_stage_is_a_filter_with_its_count(situation, prescripteur):
    counts = collections.Counter(vue.etape.code for vue in vues(prescripteur).values())
    found = liste.liste(prescripteur)
    assert found.etapes == [(code, label, counts[code]) for code, label in LIBELLES.items() if counts[code]]
    assert found.total == sum(counts.values()) == len(situation["ase"])
    for code in counts:
        rows = liste.liste(prescripteur, etape=code).lignes
        assert [row.parcours.pk for row in rows] == expected_order(
            prescripteur, lambda vue, c=code: vue.etape.code == c
        )
    # A stage nobody is at is still offered when chosen, with 0, and shows nobody.
    empty = liste.liste(prescripteur, etape=S.SORTI_POSITIF)
    assert (S.SORTI_POSITIF, LIBELLES[S.SORTI_POSITIF], 0) in empty.etapes and empty.lignes == []


def test_the_search_looks_at_the_name_they_typed_only(situation, prescripteur, client):
    def names(recherche, etape=""):
        return [row.vue.nom for row in liste.liste(prescripteur, recherche=recherche, etape=etape).lignes]

    assert names("perrin") == ["Inès Perrin"]  # not the SPIP's Yanis Perrin, nor the other territory's Inès
    assert names("inès PERRIN") == ["Inès Perrin"]
    assert names("inès diallo") == []
    assert names("zoe") == ["Zoe"]
    # The record's name the SPIP gave is not theirs to search nor to read.
    assert names("Bernard") == [] and names("Lambert") == []
    html = client_page(client, prescripteur, {"q": "zoe"})
    assert "Zoe" in html and "Bernard" not in html and "Zoé" not in html
    # Nor on the journey's page the list links to.
    detail = client.get(reverse("parcours:detail", args=[situation["ase"][3].uuid])).content.decode()
    assert "<h1>Parcours de Zoe</h1>" in detail and "Bernard" not in detail and "Zoé" not in detail
    # Counts follow the search.
    named = [vue for vue in vues(prescripteur).values() if "o" in vue.nom.lower()]
    found = liste.liste(prescripteur, recherche="o")
    assert 0 < found.total == len(named) < len(situation["ase"])
    assert {code: n for code, _, n in found.etapes} == collections.Counter(vue.etape.code for vue in named)


def client_page(client, user, params=None):
    client.force_login(user)
    response = client.get(URL, params or {})
    assert response.status_code == 200
    return response.content.decode()


def test_pages_of_the_list_keep_the_search_and_the_filter(situation, prescripteur, client, monkeypatch):
    monkeypatch.setattr(liste, "PAR_PAGE", 2)
    order = expected_order(prescripteur)
    pages = [liste.liste(prescripteur, page=n) for n in (1, 2, 3)]
    assert [[row.parcours.pk for row in p.lignes] for p in pages] == [order[0:2], order[2:4], order[4:]]
    assert all(p.total == len(order) for p in pages)
    html = client_page(client, prescripteur)
    assert 'href="?page=2"' in html and 'aria-current="page" title="Page 1"' in html
    assert "Pagination de mes signalements" in html and "(page 1 sur 3)" in html
    # Léa and Noé are the two "signalé": one page at 2 a page, two at 1 a page, whose links keep the filters.
    assert len(expected_order(prescripteur, lambda vue: vue.etape.code == S.SIGNALE)) == 2
    html = client_page(client, prescripteur, {"etape": S.SIGNALE, "q": "", "page": 1})
    assert "page=2" not in html and "Pagination de mes signalements" not in html
    monkeypatch.setattr(liste, "PAR_PAGE", 1)
    html = client_page(client, prescripteur, {"etape": S.SIGNALE, "q": "l"})
    assert f'href="?etape={S.SIGNALE}&amp;q=l&amp;page=2"' in html
    assert "(page 1 sur 2)" in html


def test_a_wrong_filter_is_ignored(situation, prescripteur, client):
    html = client_page(client, prescripteur, {"etape": "inconnue", "page": "x"})
    assert f"{len(situation['ase'])} jeunes signalés" in html


def test_the_page_and_the_export_take_the_same_number_of_queries_whatever_the_number_of_journeys(
    ase, spip, prescripteur, client, count_queries, monkeypatch
):
    monkeypatch.setattr(liste, "PAR_PAGE", 2)
    client.force_login(prescripteur)
    signaler(ase, "Inès", "Perrin", at=day(0), moves=[S.A_CONTACTER])

    def measure():
        return [count_queries(URL), count_queries(f"{URL}?etape={S.A_CONTACTER}&q=e"), count_queries(EXPORT)]

    one = measure()
    for n in range(6):
        parcours = signaler(ase, f"Jeune{n}", "Perrin", at=day(n), moves=[S.A_CONTACTER, S.CONTACTE][: n % 3])
        joindre(parcours, spip, "Autre", "Nom", at=day(n + 1))
    assert count_queries(f"{URL}?page=3") == count_queries(URL)
    assert measure() == one


def test_the_list_itself_takes_a_fixed_number_of_queries(situation, prescripteur, django_assert_num_queries):
    assert prescripteur.active_memberships  # loaded once per request, before any list
    # Stage counts, the page's count and rows, then what vue_prescripteur() reads of the page's rows: events,
    # their signalements, the consents telling them the structure, the referrals (none here, so no structures).
    with django_assert_num_queries(7):
        liste.liste(prescripteur, recherche="l", etape=S.SIGNALE)


def test_the_export_is_the_filtered_list_on_every_page_with_the_page_columns(
    situation, prescripteur, client, monkeypatch
):
    monkeypatch.setattr(liste, "PAR_PAGE", 1)
    client.force_login(prescripteur)
    shown = vues(prescripteur)
    by_pk = {p.pk: p for p in situation["ase"]}

    def line(pk):
        vue = shown[pk]
        date = lambda moment: timezone.localtime(moment).strftime("%d/%m/%Y") if moment else ""  # noqa: E731
        reached = vue.atteinte_le()
        return [
            vue.nom,
            by_pk[pk].jeune.commune.nom,
            date(vue.depuis),
            vue.etape.libelle,
            date(vue.etape.at),
            *(date(reached.get(status)) for status in PRESCRIBER_MILESTONES),
        ]

    response = client.get(EXPORT)
    assert NOTE not in response.content.decode("utf-8-sig")
    assert NOTE not in client.get(URL).content.decode()
    rows = read_csv(response)
    assert rows[0] == ["Jeune", "Commune", "Signalé le", "Étape actuelle", "Depuis le"] + [
        f"{s.label} le" for s in PRESCRIBER_MILESTONES
    ]
    assert rows[1:] == [line(pk) for pk in expected_order(prescripteur)]
    rows = read_csv(client.get(EXPORT, {"etape": S.SIGNALE, "q": "é", "page": 2}))
    kept = expected_order(prescripteur, lambda vue: vue.etape.code == S.SIGNALE and "é" in vue.nom)
    assert rows[1:] == [line(pk) for pk in kept]
    assert len(kept) > liste.PAR_PAGE  # the page asked for does not cut the file


def test_a_name_typed_as_a_formula_is_neutralised(ase, prescripteur, client):
    signaler(ase, '=HYPERLINK("http://exemple.invalid")', "", at=day(0))
    signaler(ase, "@SOMME(A1)", "Dupont", at=day(1))
    signaler(ase, "-1+1", "", at=day(2))
    client.force_login(prescripteur)
    names = [row[0] for row in read_csv(client.get(EXPORT))[1:]]
    assert names == ["'-1+1", "'@SOMME(A1) Dupont", '\'=HYPERLINK("http://exemple.invalid")']


def test_the_list_and_the_export_are_audited_with_what_they_show(situation, prescripteur, client, monkeypatch):
    monkeypatch.setattr(liste, "PAR_PAGE", 2)
    client.force_login(prescripteur)
    client.get(URL, {"page": 2})
    entry = AuditEntry.objects.get(action=Action.LISTE, object_type="mes_signalements")
    by_pk = {p.pk: p for p in situation["ase"]}
    assert entry.actor == prescripteur
    assert entry.jeune_ids == sorted(by_pk[pk].jeune_id for pk in expected_order(prescripteur)[2:4])
    client.get(EXPORT, {"etape": S.SIGNALE})
    entry = AuditEntry.objects.get(action=Action.EXPORT, object_type="mes_signalements")
    signales = expected_order(prescripteur, lambda vue: vue.etape.code == S.SIGNALE)
    assert entry.jeune_ids == sorted(by_pk[pk].jeune_id for pk in signales)
    assert entry.detail == {"etape": S.SIGNALE, "lignes": len(signales)}


@pytest.mark.parametrize(
    "who",
    [
        lambda spip: member(Role.PRESCRIPTEUR, spip),
        lambda spip: member(Role.PRESCRIPTEUR, territory=TerritoryFactory()),
    ],
    ids=["other-organisation", "other-territory"],
)
def test_another_organisation_reads_none_of_it_in_the_page_nor_the_export(situation, spip, prescripteur, client, who):
    ase_names = {vue.nom for vue in vues(prescripteur).values()}
    user = who(spip)
    client.force_login(user)
    theirs = sorted(vue_prescripteur(p).nom for p in parcours_followed_by(user))
    html = client.get(URL).content.decode()
    names = [row[0] for row in read_csv(client.get(EXPORT))[1:]]
    assert sorted(names) == theirs
    assert not ase_names & set(names)
    assert not [name for name in ase_names if f">{name}</a>" in html]
    # Searching the ASE's names finds nothing either.
    assert read_csv(client.get(EXPORT, {"q": "Inès"})) == [liste.ENTETE]
    html = client.get(URL, {"q": "Inès"}).content.decode()
    assert "Inès Perrin" not in html and "ne correspond à cette recherche" in html


def test_only_a_logged_in_prescriber_reads_the_list_or_its_export(situation, client, aiguilleur):
    for url in (URL, EXPORT):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(aiguilleur)
    for url in (URL, EXPORT):
        assert client.get(url).status_code == 403
    assert not AuditEntry.objects.filter(action__in=[Action.LISTE, Action.EXPORT]).exists()


def test_the_page_shows_the_filters_labelled_and_the_table_captioned(situation, prescripteur, client):
    html = client_page(client, prescripteur, {"etape": S.SIGNALE})
    n = collections.Counter(vue.etape.code for vue in vues(prescripteur).values())[S.SIGNALE]
    assert_filtered_and_captioned(
        html,
        champ="etape",
        valeur=S.SIGNALE,
        libelle=LIBELLES[S.SIGNALE],
        nombre=n,
        legende=f"{n} jeunes signalés, étape « {LIBELLES[S.SIGNALE]} »</caption>",
        export=EXPORT,
    )


@needs_browser
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_the_prescriber_pages_filters_searches_and_downloads(
    situation, prescripteur, telephone, log_in, live_server, monkeypatch
):
    monkeypatch.setattr(liste, "PAR_PAGE", 2)
    page = telephone
    log_in(page, prescripteur, URL)
    parcourir_liste(page, "Mes signalements", pages=3)

    signales = [vue for vue in vues(prescripteur).values() if vue.etape.code == S.SIGNALE]
    filtrer(page, "Filtrer par étape", f"{LIBELLES[S.SIGNALE]} ({len(signales)})")
    page.get_by_text(f"{len(signales)} jeunes signalés, étape « {LIBELLES[S.SIGNALE]} »").wait_for()
    assert sorted(page.locator("tbody tr td:first-child").all_inner_texts()) == sorted(v.nom for v in signales)
    page.get_by_label("Rechercher un jeune").fill("Léa")
    page.get_by_role("button", name="Afficher").click()
    page.get_by_role("link", name="Léa Martin").wait_for()
    assert serious_violations(page) == []

    nom, lignes = telecharger_csv(page, "Télécharger cette liste (CSV, 1 ligne)")
    assert nom.startswith("mes-signalements-")
    assert [row[0] for row in lignes] == ["Jeune", "Léa Martin"]
    page.context.close()
