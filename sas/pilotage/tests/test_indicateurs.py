"""The dashboard's figures on small hand-built event histories: each expected figure is worked out from the story.
Each story's synthesis is written for a journey in the database, and the database adds them up, as for the page."""

import datetime
import statistics

import pytest

from sas.aiguillage.indicators import Part
from sas.droits.situation import DROITS
from sas.organisations.factories import TerritoryFactory
from sas.orientation.models import OrientationStatus, Reason
from sas.parcours.factories import ParcoursFactory
from sas.parcours.status import Status
from sas.pilotage import donnees
from sas.pilotage.indicateurs import (
    Dossier,
    Envoi,
    Evenement,
    accompagne_le,
    mois_apres,
    synthese,
    tableau_de_bord,
)
from sas.secret_statistique import PRIMAIRE, SECONDAIRE
from sas.tests.test_secret_statistique import recomputable

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
NOW = datetime.datetime(2026, 6, 30, 12, tzinfo=UTC)
JAN = datetime.datetime(2026, 1, 10, 9, tzinfo=UTC)
H = datetime.timedelta(hours=1)
D = datetime.timedelta(days=1)
S = Status


def dossier(debut, *etapes, first=S.SIGNALE, **kw):
    """A journey signalled at `debut`; etapes: (status or "contact"/"message", delay after `debut`)."""
    evenements = [Evenement("transition", "", first, debut)]
    courant = first
    for quoi, apres in etapes:
        if quoi in ("contact", "message"):
            evenements.append(Evenement(quoi, "", "", debut + apres))
        else:
            evenements.append(Evenement("transition", courant, quoi, debut + apres))
            courant = quoi
    return Dossier(signale_le=debut, source=kw.pop("source", "prescripteur"), evenements=tuple(evenements), **kw)


def calcul(dossiers, debut=datetime.date(2026, 1, 1), fin=datetime.date(2026, 6, 1), prescriptrices=0, **kw):
    """The dashboard of `dossiers` in a territory of their own; kw: the cohort's referrals (`envois`) and answers on
    rights (`recours`: (journey's index, droit, reponse, at))."""
    territory = TerritoryFactory()
    lieu = {"territory_id": territory.pk, "departement": "", "epci": ""}
    donnees.enregistrer({ParcoursFactory(territory=territory, at=d.signale_le).pk: (d, lieu) for d in dossiers})
    comptes = donnees.comptes(donnees.syntheses(donnees.Filtre((territory,), debut, fin)), NOW)
    return tableau_de_bord(
        comptes,
        envois=kw.get("envois", ()),
        recours=kw.get("recours", ()),
        debut=debut,
        fin=fin,
        now=NOW,
        organisations_prescriptrices=prescriptrices,
    )


def test_delay_targets_count_only_journeys_whose_delay_ran_out():
    a = dossier(JAN, ("contact", 2 * H), (S.A_CONTACTER, 3 * H), (S.CONTACTE, 5 * D), (S.DIAGNOSTIC_FAIT, 20 * D))
    b = dossier(JAN, ("contact", 100 * H), (S.A_CONTACTER, 101 * H), (S.CONTACTE, 20 * D))
    e = dossier(JAN, (S.A_CONTACTER, 1 * D), (S.CONTACT_EN_COURS, 2 * D), (S.INJOIGNABLE, 15 * D))
    c = dossier(NOW - 5 * D, ("message", 1 * H))  # 5 days old: only its 72 hours ran out
    d = dossier(NOW - 1 * D)  # 1 day old: in no target yet
    h2 = calcul([a, b, c, d, e])["h2"]
    # 72 h: a, b, c, e are old enough; a (2 h) and c (1 h) met it, b (100 h) and e (none) did not.
    assert h2["premier_essai_72h"] == Part(2, 4)
    # 15 days: a, b, e; only a was contacted within (b after 20 days, e never).
    assert h2["contact_15j"] == Part(1, 3)
    # A month: a, b, e; a had its diagnostic at day 20.
    assert h2["diagnostic_1_mois"] == Part(1, 3)
    assert h2["injoignables"] == Part(1, 3)
    # Two contacted journeys, fewer than 11: no delay shown.
    assert h2["delai_contact"].mediane is None and h2["delai_contact"].effectif == 2


def test_contact_delays_median_and_90th_percentile_from_eleven_journeys():
    jours = list(range(1, 12))  # contacted after 1, 2, … 11 days
    dossiers = [dossier(JAN, (S.A_CONTACTER, H), (S.CONTACTE, n * D)) for n in jours]
    delai = calcul(dossiers)["h2"]["delai_contact"]
    assert delai.mediane == 6  # the 6th of 11 values
    # Inclusive 90th percentile of 1…11: position 1 + 0.9 × 10 = 10 → 10 days.
    assert delai.p90 == 10


def test_contact_delays_interpolate_between_the_two_nearest_journeys():
    heures = [12, 24, 30, 48, 72, 84, 102, 168, 192, 234, 288, 480]  # contacted after 0.5, 1, 1.25, … 20 days
    dossiers = [dossier(JAN, (S.CONTACTE, h * H)) for h in heures]
    delai = calcul(dossiers)["h2"]["delai_contact"]
    jours = [h / 24 for h in heures]
    # 12 delays: the median lies between the 6th and the 7th, the 90th percentile between the 10th and the 11th.
    assert delai.mediane == round(statistics.median(jours), 1)
    assert delai.p90 == round(statistics.quantiles(jours, n=10, method="inclusive")[-1], 1)
    assert delai.effectif == len(jours)


def test_joint_meeting_effect_compares_upcoming_exits_with_and_without_a_meeting():
    sortie = JAN - 10 * D
    avec = dossier(sortie, (S.CONTACTE, 12 * D), first=S.SORTIE_A_VENIR, rencontre=True)
    sans = dossier(sortie, (S.A_CONTACTER, 10 * D), first=S.SORTIE_A_VENIR)
    h2 = calcul([avec, sans], debut=datetime.date(2025, 12, 1))["h2"]
    # The clock of an upcoming exit starts when it leaves that status (day 12 for `avec`, day 10 for `sans`).
    assert h2["rencontre_avec"] == Part(1, 1)
    assert h2["rencontre_sans"] == Part(0, 1)


def test_still_supported_at_one_three_and_six_months_from_status_events():
    pris = JAN + 10 * D  # 20 January
    fidele = dossier(JAN, (S.CONTACTE, D), (S.PRIS_EN_CHARGE, 10 * D), (S.SUIVI, 46 * D), (S.ABANDON, 105 * D))
    parti = dossier(JAN - 5 * D, (S.CONTACTE, D), (S.PRIS_EN_CHARGE, 10 * D), (S.ABANDON, 27 * D))
    jamais = dossier(JAN, (S.CONTACTE, D))
    # fidele: taken on 20 January, followed from 25 February, dropped out on 25 April.
    assert accompagne_le(fidele, 1) == (mois_apres(pris, 1), True)  # 20 February: pris en charge
    assert accompagne_le(fidele, 3) == (mois_apres(pris, 3), True)  # 20 April: suivi
    assert mois_apres(pris, 3).date() == datetime.date(2026, 4, 20)
    # 20 July is after NOW, so the dashboard does not count it yet; it already knows of the drop-out.
    assert accompagne_le(fidele, 6) == (mois_apres(pris, 6), False)
    # parti: taken on 15 January, dropped out on 1 February.
    assert accompagne_le(parti, 1)[1] is False
    assert accompagne_le(jamais, 1) is None
    suivis = {n: part for n, _label, part in calcul([fidele, parti, jamais])["h3"]["suivis"]}
    assert suivis == {1: Part(1, 2), 3: Part(1, 2), 6: Part(0, 0)}


def test_funnel_counts_each_journey_at_its_furthest_stage_and_six_months_only_once_reached():
    ancien = datetime.datetime(2025, 10, 1, 9, tzinfo=UTC)
    parcours_complet = [S.CONTACTE, S.DIAGNOSTIC_FAIT, S.ORIENTATION_PROPOSEE, S.ORIENTATION_ENVOYEE]
    parcours_complet += [S.ACCEPTEE_PAR_STRUCTURE, S.PREMIER_RDV, S.PRIS_EN_CHARGE]
    durable = dossier(ancien, *((s, (i + 1) * D) for i, s in enumerate(parcours_complet)))
    recent = dossier(JAN, *((s, (i + 1) * D) for i, s in enumerate(parcours_complet)))
    oriente = dossier(JAN, *((s, (i + 1) * D) for i, s in enumerate(parcours_complet[:4])))
    contacte = dossier(JAN, (S.CONTACTE, D))
    signale = dossier(JAN)
    # Up to the take-up, whatever the day; durable, taken on 8 October 2025, is still pris en charge six months on.
    assert [synthese(d)["etape"] for d in (durable, recent, oriente, contacte, signale)] == [4, 4, 3, 1, 0]
    assert synthese(durable)["accompagne_6"] is True and synthese(recent)["accompagne_6"] is True
    f = calcul([durable, recent, oriente, contacte, signale], debut=datetime.date(2025, 10, 1))
    stages = [f["valeurs"][("etape", k)] for k in range(6)]
    # 5 signalled, 4 contacted, 3 with a diagnostic, 3 oriented, 2 taken in charge, 1 still supported at 6 months.
    assert stages == [5, 4, 3, 3, 2, 1]
    stopped = [f["valeurs"][("arret", k)] for k in range(5)]
    assert stopped == [1, 1, 0, 1, 1]
    # All under 11: every non-zero count of the funnel is hidden.
    shown = [str(cells[0]) for _label, cells in f["entonnoir"].rangs()]
    assert shown == [PRIMAIRE] * 6


def test_h1_signalements_by_month_and_source_prescribers_and_early_signals():
    journeys = [dossier(JAN, organisation_id=1) for _ in range(12)]
    journeys += [dossier(JAN + 30 * D, organisation_id=2) for _ in range(11)]
    journeys += [dossier(JAN, source="proche") for _ in range(11)]
    journeys += [dossier(JAN, first=S.SORTIE_A_VENIR, organisation_id=1)]
    f = calcul(journeys, prescriptrices=5)
    h1 = f["h1"]
    # Organisations 1 and 2 signalled, out of the 5 of the territory.
    assert (h1["prescripteurs_actifs"], h1["prescripteurs"]) == (2, 5)
    # 35 journeys: 1 opened before the end of support, 11 from relatives.
    assert h1["avant_la_sortie"] == Part(1, 35)
    assert h1["proches_et_jeunes"] == Part(11, 35)
    rows = {label: [str(c) for c in cells] for label, cells in h1["mois"].rangs()}
    # January: 13 by professionals, 11 by relatives, 0 by young people, 24 in all; February (9 February): 11.
    assert rows["2026-01"] == ["13", "11", "0", "24"]
    assert rows["2026-02"] == ["11", "0", "0", "11"]
    assert rows["Total"] == ["24", "11", "0", "35"]


def test_referrals_by_outcome_structure_and_refusal_reason():
    def envoi(structure, *suite, apres=D):
        transitions = [(OrientationStatus.ENVOYEE, JAN + D, "")]
        transitions += [(status, JAN + D + apres, motif) for status, motif in suite]
        return Envoi(structure, tuple(transitions))

    envois = (
        [envoi("Alpha", (OrientationStatus.ACCEPTEE, ""), (OrientationStatus.PRISE_EN_CHARGE, "")) for _ in range(12)]
        + [envoi("Alpha", (OrientationStatus.REFUSEE, Reason.PAS_DE_PLACE)) for _ in range(11)]
        + [envoi("Beta", (OrientationStatus.EXPIREE, ""), apres=15 * D) for _ in range(3)]
        + [envoi("Beta", (OrientationStatus.ACCEPTEE, ""), (OrientationStatus.PRISE_EN_CHARGE, ""), apres=20 * D)]
    )
    journeys = [dossier(JAN) for _ in envois]
    h3 = calcul(journeys, envois=envois)["h3"]
    # 27 sent: 13 accepted (12 Alpha, 1 Beta).
    assert h3["acceptees"] == Part(13, 27)
    # Taken in charge within 15 days of sending: Alpha's 12 (after a day), not Beta's one (after 20 days).
    assert h3["prise_en_charge_15j"] == Part(12, 27)
    f = calcul(journeys, envois=envois)
    rows = {label: [str(c) for c in cells] for label, cells in f["h3"]["structures"].rangs()}
    # Beta: 1 taken in charge and 3 expired, both under 11.
    assert rows["Beta"][0] == PRIMAIRE and rows["Beta"][3] == PRIMAIRE
    # The column "taken in charge" would give Beta's 1 as 13 − 12: Alpha's 12 is hidden too (an inner cell first).
    assert rows["Alpha"][0] == SECONDAIRE
    cells = f["h3"]["structures"].rangs() + f["h3"]["refus"].rangs()
    values = {("Alpha", 0): 12, ("Alpha", 2): 11, ("Beta", 0): 1, ("Beta", 3): 3}
    for (label, column), value in values.items():
        cell = dict(cells)[label][column]
        assert cell.valeur == value and (cell.masquee or str(cell) == str(value))
    assert recomputable(f["valeurs"], f["relations"], f["cellules"]) == []


def test_no_hidden_cell_of_the_whole_dashboard_can_be_worked_out():
    journeys = []
    for n in range(40):
        etapes = [(S.A_CONTACTER, H), (S.CONTACTE, (n % 20 + 1) * D)] if n % 3 else []
        if n % 5 == 0 and etapes:
            etapes.append((S.DIAGNOSTIC_FAIT, 25 * D))
        journeys.append(
            dossier(
                JAN + (n % 4) * 31 * D,
                *etapes,
                source=["prescripteur", "proche", "jeune"][n % 3 == 0 and n % 2],
                tranche_age=["18-21", "22-25", "15-17"][n % 3],
                sexe=["f", "h", ""][n % 3],
                qpv=[True, False, None][n % 2],
                type_prescripteur=["ase", "mission_locale"][n % 2],
            )
        )
    f = calcul(journeys)
    hidden = [k for k, c in f["cellules"].items() if c.masquee]
    assert hidden  # the story has small cells
    assert recomputable(f["valeurs"], f["relations"], f["cellules"]) == []


PRISE_EN_CHARGE = [(S.A_CONTACTER, H), (S.CONTACTE, D), (S.DIAGNOSTIC_FAIT, 2 * D)]
PRISE_EN_CHARGE += [(S.ORIENTATION_ENVOYEE, 3 * D), (S.PRIS_EN_CHARGE, 5 * D)]


def test_positive_exits_by_kind_add_up_to_the_journeys_taken_in_charge():
    natures = ["emploi"] * 12 + ["formation"] * 3 + [""]  # one exit whose kind nobody said
    sortis = [dossier(JAN, *PRISE_EN_CHARGE, (S.SORTI_POSITIF, 40 * D), sortie_nature=n) for n in natures]
    restes = [dossier(JAN, *PRISE_EN_CHARGE, (S.SUIVI, 6 * D)) for _ in range(2)]
    contacte = dossier(JAN, (S.A_CONTACTER, H), (S.CONTACTE, D))
    f = calcul([*sortis, *restes, contacte])
    rows = dict(f["h3"]["sorties"].rangs())
    # 16 exits: 12 to a job, 3 to training, 1 not told; 18 taken in charge, 2 of them with no exit yet.
    assert rows["Emploi"][0].valeur == natures.count("emploi") == 12
    assert str(rows["Emploi"][0]) in ("12", SECONDAIRE)
    assert rows["Formation"][0].valeur == 3 and rows["Formation"][0].masquee
    assert rows["Apprentissage ou alternance"][0].valeur == 0
    assert rows["Non renseigné"][0].valeur == 1 and rows["Non renseigné"][0].masquee
    assert rows["Total des sorties positives"][0].valeur == len(sortis) == 16
    assert rows["Pris en charge, sans sortie positive"][0].valeur == len(restes) == 2
    # The last row is the funnel's own "taken in charge" cell: the 2 without an exit are 18 − 16, so one of these
    assert rows["Pris en charge"][0] is f["cellules"][("etape", 4)]
    assert rows["Pris en charge"][0].valeur == len(sortis) + len(restes)
    # two is hidden too: the exits' total (an inner cell of that sum before its total). The rate would give it back:
    # not shown either.
    assert rows["Total des sorties positives"][0].masquee
    assert f["h3"]["sorties_positives"] is None
    assert recomputable(f["valeurs"], f["relations"], f["cellules"]) == []
    # With 11 more still supported and no one stopped before the take-up, the funnel has no small cell and neither
    # the 16 exits nor the 13 others are small: 16 out of 29, the rate shown.
    restes += [dossier(JAN, *PRISE_EN_CHARGE, (S.SUIVI, 6 * D)) for _ in range(11)]
    f = calcul([*sortis, *restes])
    assert f["h3"]["sorties_positives"] == Part(16, 16 + 13)


def test_rights_screened_and_the_latest_answer_per_right_at_check_ins():
    avec = [dossier(JAN, droits_probables=("rsa", "css")) for _ in range(14)]
    sans_droit = [dossier(JAN, droits_probables=()) for _ in range(2)]
    jamais = [dossier(JAN) for _ in range(4)]
    # RSA: 11 asked for it; the first of them said "not done" at 1 month, then "asked" at 3: the latest counts.
    # One was refused it. CSS: 3 already had it.
    recours = [[] for _ in avec]
    for i in range(11):
        recours[i].append(("rsa", "demande", JAN + 100 * D))
    recours[0].insert(0, ("rsa", "pas_fait", JAN + 40 * D))
    recours[11].append(("rsa", "refuse", JAN + 100 * D))
    for i in range(3):
        recours[i].append(("css", "deja", JAN + 40 * D))
    reponses = [(i, droit, reponse, at) for i, r in enumerate(recours) for droit, reponse, at in r]
    f = calcul([*avec, *sans_droit, *jamais], recours=reponses)
    depistage = {label: cells[0] for label, cells in f["h3"]["depistage"].rangs()}
    assert depistage["Au moins un droit probable"].valeur == len(avec) == 14
    assert depistage["Aucun droit probable"].valeur == len(sans_droit) == 2
    assert depistage["Droits estimés"].valeur == 16
    assert depistage["Droits jamais estimés"].valeur == len(jamais) == 4
    assert depistage["Signalés"] is f["cellules"][("etape", 0)] and depistage["Signalés"].valeur == 20
    # The 2 without a probable right (< 11) would be 16 − 14: a second cell of that sum is hidden.
    assert depistage["Aucun droit probable"].masquee
    assert depistage["Au moins un droit probable"].masquee or depistage["Droits estimés"].masquee
    labels = {droit.code: droit.label for droit in DROITS}
    rows = {label: [c.valeur for c in cells] for label, cells in f["h3"]["recours"].rangs()}
    # Columns: already had, asked, refused, not yet, total; the superseded "not done" counts nowhere.
    assert rows[labels["rsa"]] == [0, 11, 1, 0, 12]
    assert rows[labels["css"]] == [3, 0, 0, 0, 3]
    assert rows["Total"] == [3, 11, 1, 0, 15]
    assert recomputable(f["valeurs"], f["relations"], f["cellules"]) == []


def test_no_hidden_cell_can_be_worked_out_with_exits_screenings_and_answers():
    journeys, reponses = [], []
    for n in range(60):
        etapes = PRISE_EN_CHARGE if n % 2 else [(S.A_CONTACTER, H), (S.CONTACTE, (n % 20 + 1) * D)]
        if n % 2 and n % 3:
            etapes = [*etapes, (S.SORTI_POSITIF, 40 * D)]
        recours = [("rsa", ["deja", "demande", "refuse", "pas_fait"][n % 4], JAN + 40 * D)] if n % 5 else []
        if n % 7 == 0:
            recours.append(("css", ["demande", "pas_fait"][n % 2], JAN + 50 * D))
        journeys.append(
            dossier(
                JAN + (n % 4) * 31 * D,
                *etapes,
                source=["prescripteur", "proche", "jeune"][n % 3],
                sexe=["f", "h", ""][n % 3],
                sortie_nature=["emploi", "formation", "apprentissage", "autre_accompagnement", ""][n % 5],
                droits_probables=[None, (), ("rsa",), ("rsa", "css")][n % 4],
            )
        )
        reponses += [(n, droit, reponse, at) for droit, reponse, at in recours]
    f = calcul(journeys, recours=reponses)
    hidden = [k for k, c in f["cellules"].items() if c.masquee]
    assert any(k[0] == "sortie" for k in hidden) and any(k[0] == "recours" for k in hidden)
    assert recomputable(f["valeurs"], f["relations"], f["cellules"]) == []
