"""H3's positive exits and rights, read from the follow-up and the screenings: one journey taken in charge 35 days
ago, screened, which answers on a right at its first check-in and then exits to a training."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sas.diagnostic import services as diagnostics
from sas.droits.models import Estimation
from sas.droits.situation import DROITS, PARTICIPATION_CSS
from sas.organisations.factories import member
from sas.organisations.models import Role
from sas.orientation.tests.conftest import accueil, catalogue, prescripteur  # noqa: F401 (fixtures)
from sas.pilotage import donnees
from sas.pilotage.forms import FiltreForm
from sas.secret_statistique import PRIMAIRE
from sas.suivi import services
from sas.suivi.models import ActorKind
from sas.suivi.tests.conftest import pris_en_charge_il_y_a_un_mois  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def estimer(parcours, montants, at):
    """A screening of the last diagnostic as OpenFisca answered it: `montants` {droit code: € a month}."""
    diagnostic = diagnostics.dernier_termine(parcours)
    mois = f"{timezone.localdate(at):%Y-%m}"
    reponse = {"familles": {"famille": {PARTICIPATION_CSS: {mois: 0}}}, "individus": {"jeune": {}}}
    for droit in DROITS:
        reponse[droit.entite][droit.cle][droit.variable] = {mois: montants.get(droit.code, 0)}
    return Estimation.objects.create(diagnostic=diagnostic, mois=mois, entrees={}, reponse=reponse, calculee_le=at)


@pytest.fixture
def sorti(pris_en_charge_il_y_a_un_mois):  # noqa: F811 (the imported fixture)
    parcours = pris_en_charge_il_y_a_un_mois
    ancienne = timezone.now() - datetime.timedelta(days=58)
    # An older screening found the RSA; the latest one (which counts) finds none: no right probable then, so the
    # answer below is about a right of the first screening.
    estimer(parcours, {"rsa": 500}, ancienne)
    estimer(parcours, {}, ancienne + datetime.timedelta(days=1))
    services.avancer()
    point = parcours.suivis.get().points.get(mois=1)
    services.repondre(point, "droit_rsa", "pas_fait", actor_kind=ActorKind.JEUNE)
    services.repondre(point, "droit_rsa", "demande", actor_kind=ActorKind.JEUNE)
    services.sortie_positive(
        parcours, nature="formation", date_sortie=timezone.localdate(), actor_kind=ActorKind.STRUCTURE
    )
    return parcours


def test_the_dashboard_reads_the_exit_s_kind_the_latest_screening_and_the_latest_answer(client, sorti, territory):
    client.force_login(member(Role.PILOTE, territory=territory))
    f = client.get(reverse("pilotage:tableau_de_bord")).context["f"]
    sorties = {label: cells[0] for label, cells in f["h3"]["sorties"].rangs()}
    # The one journey exited to a training: 1 of 1 taken in charge, shown as "< 11".
    assert sorties["Formation"].valeur == 1 and str(sorties["Formation"]) == PRIMAIRE
    assert sorties["Emploi"].valeur == 0 and sorties["Pris en charge"].valeur == 1
    depistage = {label: cells[0].valeur for label, cells in f["h3"]["depistage"].rangs()}
    # Screened twice: the latest screening found nothing probable.
    assert (depistage["Au moins un droit probable"], depistage["Aucun droit probable"]) == (0, 1)
    assert depistage["Droits jamais estimés"] == 0
    rsa = next(d.label for d in DROITS if d.code == "rsa")
    rows = {label: [c.valeur for c in cells] for label, cells in f["h3"]["recours"].rangs()}
    # "Not done" then "asked" at the same check-in: the latest answer counts, once.
    assert rows[rsa] == [0, 1, 0, 0, 1]
    export = client.get(reverse("pilotage:export", args=["recours"]))
    csv_rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert csv_rows[0] == ["Droit", "colonne", "effectif", "secret"]
    assert [rsa, "Demandé", "", PRIMAIRE] in csv_rows
    assert [rsa, "Refusé", "0", ""] in csv_rows
    sorties_csv = client.get(reverse("pilotage:export", args=["sorties"])).content.decode("utf-8-sig")
    assert f"Formation;Parcours;;{PRIMAIRE}" in sorties_csv


def test_the_figures_take_seven_queries_whatever_the_number_of_journeys(sorti, territory):
    # The syntheses' sums: by profile, by month, the shares and counts, the active prescribers, the contact delays;
    # the referrals and the rights' answers (the view adds the prescribing organisations' count).
    filtre = FiltreForm({}, territoires=[territory], organisations=[]).filtre()
    with CaptureQueriesContext(connection) as context:
        figures = donnees.figures(filtre, now=timezone.now(), organisations_prescriptrices=0)
    assert figures["valeurs"][("etape", 0)] == 1 and figures["valeurs"][("sortie", "formation")] == 1
    assert len(context.captured_queries) == 7
