import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from sas.communes.factories import CommuneFactory, DepartementFactory
from sas.jeunes.models import Jeune
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours.factories import ParcoursFactory, SignalementFactory
from sas.parcours.models import EventKind, SignalementSource
from sas.parcours.status import Status
from sas.parcours.transitions import record_fact, transition
from sas.pilotage.svg import BLEU_FRANCE
from sas.secret_statistique import PRIMAIRE
from sas.tests.test_secret_statistique import recomputable

pytestmark = pytest.mark.django_db


def signaler(territory, organisation, *, days_ago, commune=None, contacte_apres=None, source=None, **jeune):
    """A journey signalled `days_ago` by `organisation`, contacted `contacte_apres` days later if given."""
    at = timezone.now() - datetime.timedelta(days=days_ago)
    kwargs = {f"jeune__{k}": v for k, v in jeune.items()}
    if commune:
        kwargs["jeune__commune"] = commune
    p = ParcoursFactory(territory=territory, at=at, **kwargs)
    SignalementFactory(
        parcours=p,
        organisation=organisation,
        created_at=at,
        source=source or SignalementSource.PRESCRIPTEUR,
    )
    if contacte_apres is not None:
        transition(p, Status.A_CONTACTER, at=at + datetime.timedelta(hours=1))
        transition(p, Status.CONTACTE, at=at + datetime.timedelta(days=contacte_apres))
    return p


@pytest.fixture
def territoires():
    """Territory A: 14 journeys signalled 40 days ago (12 contacted on day 3, 2 never); territory B: 3."""
    data = {}
    for side, n in (("a", 14), ("b", 3)):
        territory = TerritoryFactory(nom=f"Territoire {side.upper()}")
        commune = CommuneFactory(departement=DepartementFactory(code="69" if side == "a" else "01"))
        territory.communes.add(commune)
        ase = OrganisationFactory(territory=territory, kind=OrganisationKind.ASE, nom=f"ASE {side.upper()}")
        for i in range(n):
            signaler(territory, ase, days_ago=40, commune=commune, contacte_apres=3 if i < 12 else None)
        data[side] = {"territory": territory, "ase": ase, "commune": commune, "pilote": None}
        data[side]["pilote"] = member(Role.PILOTE, territory=territory)
    return data


def test_the_pilot_sees_their_territory_only_whatever_the_filters_say(client, territoires):
    a, b = territoires["a"], territoires["b"]
    client.force_login(a["pilote"])
    response = client.get(reverse("pilotage:tableau_de_bord"))
    assert response.status_code == 200
    assert str(response.context["f"]["signales"]) == "14"
    # Another territory's id is not among the choices: a French error, and the pilot's own figures.
    response = client.get(reverse("pilotage:tableau_de_bord"), {"territoire": b["territory"].pk})
    assert str(response.context["f"]["signales"]) == "14"
    assert "Sélectionnez un choix valide" in response.content.decode()
    export = client.get(reverse("pilotage:export", args=["entonnoir"]), {"territoire": b["territory"].pk})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][:3] == ["Signalés", "Parcours arrivés à cette étape", "14"]
    html = response.content.decode()
    assert not [j.nom for j in Jeune.objects.all() if f">{j.nom}<" in html or j.telephone in html]


@pytest.mark.parametrize("name", ["tableau_de_bord", "definitions", "open_data"])
def test_only_pilots_open_the_dashboard(client, territoires, name):
    url = reverse(f"pilotage:{name}")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for role in (Role.AIGUILLEUR, Role.PRESCRIPTEUR, Role.STRUCTURE):
        client.force_login(member(role, territory=territoires["a"]["territory"]))
        assert client.get(url).status_code == 403


def test_contact_target_counts_journeys_whose_fortnight_ran_out_and_a_new_event_counts_at_once(client, territoires):
    a = territoires["a"]
    client.force_login(a["pilote"])
    # Two journeys of 5 days ago are not yet in the 15-day target; 14 of 40 days are: 12 contacted, 2 not.
    recents = [signaler(a["territory"], a["ase"], days_ago=5, commune=a["commune"]) for _ in range(2)]
    h2 = client.get(reverse("pilotage:tableau_de_bord")).context["f"]["h2"]
    assert (h2["contact_15j"].atteints, h2["contact_15j"].mesures) == (12, 14)
    # 14 of 40 days and 2 of 5 days are past their 72 hours; 12 had a first contact (the contact itself).
    assert (h2["premier_essai_72h"].atteints, h2["premier_essai_72h"].mesures) == (12, 16)
    transition(recents[0], Status.A_CONTACTER)
    transition(recents[0], Status.CONTACTE)
    h2 = client.get(reverse("pilotage:tableau_de_bord")).context["f"]["h2"]
    assert h2["premier_essai_72h"].mesures == 16
    assert client.get(reverse("pilotage:tableau_de_bord")).context["f"]["valeurs"][("etape", 1)] == 13


def test_filters_by_departement_and_source(client, territoires):
    a = territoires["a"]
    ailleurs = CommuneFactory(departement=DepartementFactory(code="42", nom="Loire"))
    a["territory"].communes.add(ailleurs)
    for _ in range(3):
        signaler(a["territory"], None, days_ago=20, commune=ailleurs, source=SignalementSource.PROCHE)
    client.force_login(a["pilote"])
    url = reverse("pilotage:tableau_de_bord")
    valeurs = client.get(url).context["f"]["valeurs"]
    assert valeurs[("etape", 0)] == 17
    assert client.get(url, {"departement": "42"}).context["f"]["valeurs"][("etape", 0)] == 3
    assert client.get(url, {"source": "proche"}).context["f"]["valeurs"][("etape", 0)] == 3
    assert client.get(url, {"source": "type:ase"}).context["f"]["valeurs"][("etape", 0)] == 14
    other = OrganisationFactory(territory=a["territory"], kind=OrganisationKind.MISSION_LOCALE)
    assert client.get(url, {"source": f"organisation:{other.pk}"}).context["f"]["valeurs"][("etape", 0)] == 0
    # A period that ends before it starts: explained in French, the default period shown.
    response = client.get(url, {"debut": "2026-05", "fin": "2026-01"})
    assert "Le premier mois doit précéder le dernier." in response.content.decode()
    assert response.context["f"]["valeurs"][("etape", 0)] == 17
    assert "AAAA-MM" in client.get(url, {"debut": "mai"}).content.decode()


def test_nothing_the_page_shows_lets_anyone_work_out_a_hidden_cell(client, territoires):
    a = territoires["a"]
    client.force_login(a["pilote"])
    response = client.get(reverse("pilotage:tableau_de_bord"))
    html = response.content.decode()
    f = response.context["f"]
    # Everything the page shows of each table, read back from the HTML: the cells are those of the protected block.
    for tableau in f["tableaux"]:
        table = re.search(rf'<table id="tableau-{tableau.slug}">(.*?)</table>', html, re.S)[1]
        shown = re.findall(r"<td>([^<]*)</td>", table)
        expected = [
            "—" if c is None else str(c).replace("<", "&lt;") for _label, cells in tableau.rangs() for c in cells
        ]
        assert shown == expected
    # 2 journeys never contacted, fewer than 11: hidden, and so is whatever would give them back (14 − 12).
    assert str(f["cellules"][("arret", 0)]) == PRIMAIRE
    assert recomputable(f["valeurs"], f["relations"], f["cellules"]) == []
    # The contact rate: 12 out of 14, 2 not contacted: the rate would tell them, not shown.
    assert "masqué (secret statistique)" in html


def test_the_funnel_is_an_svg_with_no_bar_for_a_hidden_stage_and_no_inline_style(client, territoires):
    client.force_login(territoires["a"]["pilote"])
    html = client.get(reverse("pilotage:tableau_de_bord")).content.decode()
    svg = re.search(r"<svg.*?</svg>", html, re.S)[0]
    assert 'role="img"' in svg and "<title" in svg
    # The CSP refuses inline styles and scripts: the drawing has none.
    assert "style=" not in svg and "<script" not in svg
    f = client.get(reverse("pilotage:tableau_de_bord")).context["f"]
    shown = [cells[0] for _label, cells in f["entonnoir"].rangs() if not cells[0].masquee and cells[0].valeur]
    assert svg.count(f'fill="{BLEU_FRANCE}"') == len(shown)


def test_every_table_downloads_as_csv_with_a_secret_column(client, territoires):
    client.force_login(territoires["a"]["pilote"])
    response = client.get(reverse("pilotage:export", args=["entonnoir"]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Étape", "colonne", "effectif", "secret"]
    by_cell = {(r[0], r[1]): r[2:] for r in rows[1:]}
    assert by_cell[("Signalés", "Parcours arrivés à cette étape")] == ["14", ""]
    # The 2 never contacted: no figure, the reason in the secret column.
    assert by_cell[("Signalés", "Arrêtés à cette étape")] == ["", PRIMAIRE]
    assert client.get(reverse("pilotage:export", args=["inconnu"])).status_code == 404


def test_open_data_gives_each_month_and_departement_with_its_schema(client, territoires):
    client.force_login(territoires["a"]["pilote"])
    response = client.get(reverse("pilotage:open_data"))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["mois", "departement_code", "departement_nom", "signalements"]
    signalled = f"{timezone.localtime(timezone.now() - datetime.timedelta(days=40)):%Y-%m}"
    row = next(r for r in rows[1:] if r[0] == signalled)
    # 14 journeys of the Rhône, all by professionals; none by relatives or young people.
    assert row[1:7] == ["69", "Rhône", "14", "14", "0", "0"]
    assert all(r[1] == "69" for r in rows[1:])  # territory B's département is not the pilot's
    definitions = client.get(reverse("pilotage:definitions")).content.decode()
    for name in rows[0]:
        assert f"<code>{name}</code>" in definitions


def test_every_definition_link_of_the_dashboard_has_its_anchor(client, territoires):
    client.force_login(territoires["a"]["pilote"])
    html = client.get(reverse("pilotage:tableau_de_bord")).content.decode()
    definitions = client.get(reverse("pilotage:definitions")).content.decode()
    anchors = set(re.findall(r'/pilotage/definitions/#([\w-]+)"', html))
    assert anchors
    for anchor in anchors:
        assert f'id="{anchor}"' in definitions


def test_the_dashboard_query_count_does_not_grow_with_the_journeys(client, territoires, count_queries):
    a = territoires["a"]
    client.force_login(a["pilote"])
    url = reverse("pilotage:tableau_de_bord")
    few = count_queries(url)
    # 8 for the session, the user, their device, memberships and territory and the filters' choices; 8 for the
    # figures: the syntheses' sums (by profile, by month, the shares and counts, the active prescribers, the contact
    # delays), the referrals, the rights' answers and the prescribing organisations' count.
    assert few == 16
    for _ in range(5):
        signaler(a["territory"], a["ase"], days_ago=10, commune=a["commune"], contacte_apres=1)
    assert count_queries(url) == few


def test_a_contact_attempt_changes_the_figures_at_once(client, territoires):
    a = territoires["a"]
    client.force_login(a["pilote"])
    url = reverse("pilotage:tableau_de_bord")
    p = signaler(a["territory"], a["ase"], days_ago=5, commune=a["commune"])
    essai = client.get(url).context["f"]["h2"]["premier_essai_72h"]
    # Past their 72 hours: the 14 of 40 days (12 contacted on day 3, within them) and this one, never tried.
    assert (essai.atteints, essai.mesures) == (12, 15)
    record_fact(p, EventKind.CONTACT, at=p.created_at + datetime.timedelta(hours=2))
    essai = client.get(url).context["f"]["h2"]["premier_essai_72h"]
    assert (essai.atteints, essai.mesures) == (13, 15)
