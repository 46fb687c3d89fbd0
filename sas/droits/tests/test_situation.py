"""The mapping from a diagnostic's answers to an OpenFisca situation (no service needed)."""

import datetime

from sas.droits import situation

NAISSANCE = datetime.date(2000, 3, 1)


def test_incomes_are_spread_over_the_last_twelve_months_and_go_on_in_the_one_screened():
    s = situation.construire(
        {"revenus_travail_12_mois": "6000", "chomage_12_mois": 1200},
        date_naissance=NAISSANCE,
        depcom="69123",
        mois="2026-01",
    )
    jeune = s["individus"]["jeune"]
    douze_et_celui_ci = [f"2025-{m:02d}" for m in range(1, 13)] + ["2026-01"]
    avant = [str(y) for y in range(2020, 2025)]
    assert sorted(jeune["salaire_net"]) == avant + douze_et_celui_ci
    assert {jeune["salaire_net"][m] for m in douze_et_celui_ci} == {6000 / 12}
    assert {jeune["chomage_net"][m] for m in douze_et_celui_ci} == {1200 / 12}
    assert {jeune["salaire_net"][m] for m in avant} == {jeune["chomage_net"][m] for m in avant} == {0}, "none before"
    assert s["foyers_fiscaux"]["foyer"]["rfr"] == {str(y): 0 for y in range(2020, 2025)}
    assert jeune["salaire_imposable"] == jeune["salaire_net"] and jeune["chomage_imposable"] == jeune["chomage_net"]
    assert jeune["activite"]["2026-01"] == jeune["activite"]["2025-01"] == "actif"
    assert s["menages"]["menage"]["depcom"] == {"2026-01": "69123"}


def test_a_couple_with_two_children_and_a_tax_bracket_two_years_back():
    reponses = {
        "en_couple": "oui",
        "revenus_conjoint_12_mois": "12000",
        "enfants_nombre": "2",
        "foyer_fiscal_impot": "premiere_tranche",
        "logement_statut": "locataire_meuble",
        "loyer": "520",
    }
    s = situation.construire(reponses, date_naissance=NAISSANCE, depcom="", mois="2026-12")
    famille = s["familles"]["famille"]
    assert famille["parents"] == ["jeune", "conjoint"] and famille["enfants"] == ["enfant_1", "enfant_2"]
    assert s["foyers_fiscaux"]["foyer"]["ir_tranche"] == {"2024": 1}
    assert s["menages"]["menage"]["conjoint"] == ["conjoint"]
    assert set(s["menages"]["menage"]["statut_occupation_logement"].values()) == {"locataire_meuble"}
    assert s["menages"]["menage"]["loyer"]["2026-12"] == s["menages"]["menage"]["loyer"]["2025-12"] == 520.0
    assert "depcom" not in s["menages"]["menage"], "no commune known: none invented"
    assert s["individus"]["enfant_1"]["date_naissance"] == {"ETERNITY": f"{2026 - situation.AGE_ENFANTS}-12-01"}
    assert set(s["individus"]["enfant_2"]["salaire_imposable"].values()) == {0}
    assert set(s["individus"]["conjoint"]["chomage_imposable"].values()) == {0}
    assert s["individus"]["conjoint"]["salaire_net"]["2026-12"] == 1000


def test_what_is_not_known_is_not_guessed_as_an_answer():
    s = situation.construire(
        {"etudiant": "oui", "loyer": "pas un nombre"}, date_naissance=NAISSANCE, depcom="", mois="2026-12"
    )
    assert s["individus"]["jeune"]["activite"]["2026-12"] == "etudiant"
    assert s["menages"]["menage"]["loyer"]["2026-12"] == 0.0
    assert s["menages"]["menage"]["statut_occupation_logement"]["2026-12"] == "non_renseigne"
    assert "ir_tranche" not in s["foyers_fiscaux"]["foyer"]
