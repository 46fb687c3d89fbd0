"""SAS's mapping plus the real OpenFisca-France web API, on situations a young person's diagnostic can express.
Expected amounts come from OpenFisca-France's own parameters, read from the service."""

import pytest
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from sas.diagnostic import services as diagnostic_services
from sas.droits import services
from sas.droits.models import Estimation

from .conftest import parametre

pytestmark = pytest.mark.django_db

RSA = "prestations_sociales.solidarite_insertion.minima_sociaux.rsa"
SEUL_LOCATAIRE = {"logement_statut": "locataire_vide", "loyer": "450", "foyer_fiscal_impot": "non_imposable"}


def montants(estimation):
    return {r.droit.code: r for r in services.resultats(estimation)}


def test_a_27_year_old_alone_without_income_gets_the_rsa_minus_the_housing_flat_rate(
    openfisca, diagnostic_de, maintenant
):
    estimation = services.estimer(diagnostic_de(27, **SEUL_LOCATAIRE), at=maintenant)
    assert estimation.disponible and estimation.version_openfisca
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
