"""SAS's mapping plus the real OpenFisca-France web API, on situations a young person's diagnostic can express.
Expected amounts come from OpenFisca-France's own parameters, read from the service."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from sas.diagnostic import services as diagnostic_services
from sas.droits import openfisca as simulateur
from sas.droits import services, situation
from sas.droits.models import Estimation

from .conftest import parametre

pytestmark = pytest.mark.django_db

RSA = "prestations_sociales.solidarite_insertion.minima_sociaux.rsa"
SEUL_LOCATAIRE = {"logement_statut": "locataire_vide", "loyer": "450", "foyer_fiscal_impot": "non_imposable"}


def montants(estimation):
    return {r.droit.code: r for r in services.resultats(estimation)}


def entrees_de(diagnostic):
    """The OpenFisca situation of `diagnostic`'s young person in Lyon in December 2026."""
    jeune = diagnostic.parcours.jeune
    return situation.construire(
        diagnostic.reponses, date_naissance=jeune.date_naissance, depcom="69123", mois="2026-12"
    )


def test_a_27_year_old_alone_without_income_gets_the_rsa_minus_the_housing_flat_rate(
    openfisca, diagnostic_de, maintenant
):
    diagnostic = diagnostic_de(27, **SEUL_LOCATAIRE)
    estimation = services.estimer(diagnostic, at=maintenant)
    estimation.refresh_from_db()
    # What was screened, when, with which version and inputs, is kept as it was.
    pin = (Path(settings.BASE_DIR) / "openfisca" / "requirements.txt").read_text()
    assert f"OpenFisca-France=={estimation.version_openfisca}\n" in pin
    assert estimation.calculee_le == maintenant and estimation.mois == "2026-12"
    assert (
        estimation.entrees == entrees_de(diagnostic) and estimation.reponse["familles"]["famille"]["rsa"]["2026-12"] > 0
    )
    base = parametre(openfisca, f"{RSA}.rsa_m.montant_de_base_du_rsa")
    forfait = parametre(openfisca, f"{RSA}.rsa_fl.forfait_logement.taux_1_personne")
    # An aide au logement is paid: the RSA deducts its housing flat rate (forfait logement, one person).
    r = montants(estimation)
    assert r["aides_logement"].eligible
    assert r["rsa"].montant == pytest.approx(base * (1 - forfait), abs=0.01)
    assert r["css"].eligible and r["css"].montant == 0, "free with the RSA"
    assert not r["cej"].eligible, "26 and over: no CEJ allowance"
    assert r["rsa"].texte.startswith("probablement éligible : environ")


def test_no_rsa_under_25_without_a_child_but_the_cej_allowance(openfisca, diagnostic_de, maintenant):
    r = montants(services.estimer(diagnostic_de(22, **SEUL_LOCATAIRE), at=maintenant))
    assert not r["rsa"].eligible and r["rsa"].montant == 0
    assert r["cej"].eligible and r["cej"].montant > 0


def test_a_young_parent_under_25_may_get_the_rsa(openfisca, diagnostic_de, maintenant):
    r = montants(services.estimer(diagnostic_de(22, enfants_nombre="1", **SEUL_LOCATAIRE), at=maintenant))
    assert r["rsa"].eligible


def test_no_cej_allowance_for_a_student(openfisca, diagnostic_de, maintenant):
    r = montants(services.estimer(diagnostic_de(20, etudiant="oui", **SEUL_LOCATAIRE), at=maintenant))
    assert not r["cej"].eligible and r["cej"].montant == 0
    assert r["cej"].texte == "probablement pas"


def test_a_current_cej_is_said_as_already_received(openfisca, diagnostic_de, maintenant):
    r = montants(services.estimer(diagnostic_de(20, cej_en_cours="oui", **SEUL_LOCATAIRE), at=maintenant))
    assert r["cej"].texte == "déjà perçu"


def test_a_service_down_says_unavailable_never_zero(settings, diagnostic_de, maintenant, aiguilleur):
    settings.SAS_OPENFISCA_URL = "http://127.0.0.1:9"  # nothing listens there
    diagnostic = diagnostic_de(27, **SEUL_LOCATAIRE)
    estimation = services.estimer(diagnostic, at=maintenant)
    assert not estimation.disponible and estimation.erreur and services.resultats(estimation) is None
    client = Client()
    client.force_login(aiguilleur)
    page = client.get(reverse("diagnostic:sommaire", args=[diagnostic.pk])).text
    assert "Estimation indisponible" in page and "0 €" not in page


def test_saving_the_resources_queues_a_screening_the_counsellor_then_reads(
    openfisca, diagnostic_de, aiguilleur, django_capture_on_commit_callbacks
):
    diagnostic = diagnostic_de(27)
    with django_capture_on_commit_callbacks(execute=True):
        diagnostic_services.enregistrer(diagnostic, {"souhaits": "Cuisinier"}, actor=aiguilleur)
    assert not DBTaskResult.objects.exists(), "answers outside the screening's inputs change nothing"
    with django_capture_on_commit_callbacks(execute=True):
        diagnostic_services.enregistrer(diagnostic, SEUL_LOCATAIRE, actor=aiguilleur, section="droits")
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [diagnostic.pk]

    from sas.droits.tasks import estimer_droits

    estimer_droits.call(diagnostic.pk)
    assert Estimation.objects.filter(diagnostic=diagnostic).count() == 1
    client = Client()
    client.force_login(aiguilleur)
    page = client.get(reverse("diagnostic:sommaire", args=[diagnostic.pk])).text
    assert "Revenu de solidarité active (RSA)" in page and "la CAF (ou la MSA)" in page


PPA = "prestations_sociales.solidarite_insertion.minima_sociaux.ppa"
CEJ = "prestations_sociales.education.contrat_engagement_jeune"
CSS = "prestations_sociales.solidarite_insertion.minima_sociaux.cs.css"
LOGE_GRATUITEMENT = {"logement_statut": "loge_gratuitement", "foyer_fiscal_impot": "non_imposable"}


def test_a_27_year_old_paid_600_a_month_and_housed_for_free_gets_the_prime_d_activite(
    openfisca, diagnostic_de, maintenant
):
    paye = 600
    smic_horaire = parametre(openfisca, "marche_travail.salaire_minimum.smic.smic_b_horaire")
    assert paye < parametre(openfisca, f"{PPA}.pa_m.bonification.seuil_bonification") * smic_horaire, "no bonus"
    base = parametre(openfisca, f"{PPA}.pa_m.montant_de_base")
    pente = parametre(openfisca, f"{PPA}.pa_m.majoration_ressources_revenus_activite")
    # Housed for free: the housing flat rate of one person counts as a resource.
    forfait = base * parametre(openfisca, f"{PPA}.pa_fl.taux_forfait_logement.foyer_1_personne")
    attendu = base + pente * paye - max(paye + forfait, base)
    r = montants(
        services.estimer(diagnostic_de(27, revenus_travail_12_mois=str(12 * paye), **LOGE_GRATUITEMENT), at=maintenant)
    )
    assert r["prime_activite"].montant == pytest.approx(attendu, abs=0.05)


def test_a_worker_paid_2000_a_month_gets_neither_rsa_nor_aide_au_logement(openfisca, diagnostic_de, maintenant):
    """Pay going on in the month screened is not neutralised as if the job had just ended."""
    r = montants(services.estimer(diagnostic_de(27, revenus_travail_12_mois="24000", **SEUL_LOCATAIRE), at=maintenant))
    assert parametre(openfisca, f"{RSA}.rsa_m.montant_de_base_du_rsa") < 2000
    assert not r["rsa"].eligible and not r["aides_logement"].eligible


def test_the_cej_allowance_of_an_adult_of_a_non_taxable_household_without_income(openfisca, diagnostic_de, maintenant):
    r = montants(services.estimer(diagnostic_de(20, **SEUL_LOCATAIRE), at=maintenant))
    attendu = parametre(openfisca, f"{CEJ}.montants.montant_majeurs_non_imposables")
    assert r["cej"].montant == pytest.approx(attendu, abs=0.01)
    assert r["cej"].droit.contact == "la Mission locale ou France Travail"


def test_the_cej_allowance_of_a_minor(openfisca, diagnostic_de, maintenant):
    r = montants(services.estimer(diagnostic_de(17, **LOGE_GRATUITEMENT), at=maintenant))
    assert r["cej"].montant == pytest.approx(parametre(openfisca, f"{CEJ}.montants.montant_mineurs"), abs=0.01)


def test_no_cej_allowance_with_the_rsa_or_the_prime_d_activite_in_the_last_three_months(
    openfisca, diagnostic_de, maintenant
):
    parent = montants(services.estimer(diagnostic_de(22, enfants_nombre="1", **SEUL_LOCATAIRE), at=maintenant))
    assert parent["rsa"].eligible and not parent["cej"].eligible
    travailleur = montants(
        services.estimer(diagnostic_de(22, revenus_travail_12_mois="9600", **LOGE_GRATUITEMENT), at=maintenant)
    )
    assert travailleur["prime_activite"].eligible and not travailleur["cej"].eligible


def test_no_rsa_under_25_without_a_child_whatever_the_situation(openfisca, diagnostic_de, maintenant):
    """The young-worker conditions of the RSA (two years of full-time work in three) are never asserted by SAS:
    under 25 without a child, every situation in one request gets no RSA."""
    situations = []
    for age in (18, 21, 24):
        for paye in ("0", "3000", "9600"):
            for logement in (SEUL_LOCATAIRE, LOGE_GRATUITEMENT):
                situations.append(entrees_de(diagnostic_de(age, revenus_travail_12_mois=paye, **logement)))
    reponses, version = simulateur.calculer_lot(situations)
    assert version and len(reponses) == len(situations) == 18
    assert [r["familles"]["famille"]["rsa"]["2026-12"] for r in reponses] == [0] * 18


def test_css_free_with_the_rsa_else_the_participation_of_its_age_band(openfisca, diagnostic_de, maintenant):
    sans_revenu = montants(services.estimer(diagnostic_de(27, **LOGE_GRATUITEMENT), at=maintenant))
    assert sans_revenu["css"].eligible and sans_revenu["css"].montant == 0
    assert sans_revenu["css"].texte == "probablement éligible, gratuite"
    participation = parametre(openfisca, f"{CSS}.montant.france.cmu_moins_30_ans")
    r = montants(
        services.estimer(diagnostic_de(27, revenus_travail_12_mois="11400", **LOGE_GRATUITEMENT), at=maintenant)
    )
    assert r["css"].eligible and r["css"].montant == pytest.approx(participation, abs=0.01)
    assert f"participation d'environ {participation:.0f} €" in r["css"].texte


def test_many_situations_in_one_request_answer_as_each_alone(openfisca, diagnostic_de, maintenant):
    diagnostics = [
        diagnostic_de(27, **SEUL_LOCATAIRE),
        diagnostic_de(22, enfants_nombre="2", en_couple="oui", **SEUL_LOCATAIRE),
        diagnostic_de(19, revenus_travail_12_mois="7200", **LOGE_GRATUITEMENT),
    ]
    seules = [services.estimer(d, at=maintenant) for d in diagnostics]
    reponses, _ = simulateur.calculer_lot([e.entrees for e in seules])
    for estimation, reponse in zip(seules, reponses, strict=True):
        assert reponse == estimation.reponse


def _sans_historique(entrees, mois):
    """The situation without the incomes SAS gives as 0 nor the revenus fiscaux de référence of those years: what
    OpenFisca then works out itself from the same assumptions."""
    garder = set(situation._douze_mois_et(mois))
    individus = {}
    for cle, personne in entrees["individus"].items():
        individus[cle] = {
            variable: (
                {m: v for m, v in valeurs.items() if m in garder}
                if variable in ("salaire_net", "salaire_imposable", "chomage_net", "chomage_imposable")
                else valeurs
            )
            for variable, valeurs in personne.items()
            if not (variable.startswith(("salaire_", "chomage_")) and not any(valeurs.values()))
        }
    foyers = {cle: {k: v for k, v in foyer.items() if k != "rfr"} for cle, foyer in entrees["foyers_fiscaux"].items()}
    return {**entrees, "individus": individus, "foyers_fiscaux": foyers}


def test_the_incomes_given_as_zero_back_in_time_change_no_amount(openfisca, diagnostic_de):
    """Giving OpenFisca the years of incomes it would work out as 0 only spares it the work."""
    cas = [
        (27, SEUL_LOCATAIRE),
        (22, {"enfants_nombre": "2", "en_couple": "oui", "revenus_conjoint_12_mois": "18000", **SEUL_LOCATAIRE}),
        (19, {"revenus_travail_12_mois": "7200", "chomage_12_mois": "3600", **LOGE_GRATUITEMENT}),
        (24, {"revenus_travail_12_mois": "19200", "etudiant": "oui", "foyer_fiscal_impot": "au_dela"}),
    ]
    entrees = [entrees_de(diagnostic_de(age, **reponses)) for age, reponses in cas]
    sans = [_sans_historique(e, "2026-12") for e in entrees]
    assert all("rfr" not in s["foyers_fiscaux"]["foyer"] for s in sans)
    assert len(sans[0]["individus"]["jeune"]) < len(entrees[0]["individus"]["jeune"]), "no income: none given"
    avec, _ = simulateur.calculer_lot(entrees)
    reference, _ = simulateur.calculer_lot(sans)
    for reponses, reponse, attendu in zip([r for _, r in cas], avec, reference, strict=True):
        assert situation.lire(reponse, reponses, "2026-12") == situation.lire(attendu, reponses, "2026-12")
    assert any(r.eligible for r in situation.lire(avec[2], cas[2][1], "2026-12")), "some amount is compared"
