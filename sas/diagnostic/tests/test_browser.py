"""In a real browser: the young person prepares on a 320 px screen, then the counsellor fills and completes the
diagnostic; axe finds no serious violation on those pages."""

import pytest

from sas.browser_testing import needs_browser, serious_violations
from sas.diagnostic.models import Diagnostic, DiagnosticStatus
from sas.espace_jeune.models import LienJeune
from sas.espace_jeune.testing import verifier_dans_le_navigateur
from sas.parcours.status import Status

# The machine is shared: generous waits, never a timed assertion.
WAIT = 30_000
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("questionnaire_publie"),
]


def choose(page, group, label):
    page.locator("fieldset", has_text=group).get_by_text(label, exact=True).click()


@needs_browser
def test_the_young_person_prepares_on_a_small_screen(live_server, page, parcours):
    page.set_viewport_size({"width": 320, "height": 640})
    token = LienJeune.creer(parcours).token
    page.goto(f"{live_server.url}/diagnostic/j/{token}/preparer/")
    # The check first, accessible too; then the page asked for.
    page.get_by_role("heading", name="Vérifions que c'est bien vous").wait_for(timeout=WAIT)
    assert serious_violations(page) == []
    verifier_dans_le_navigateur(page, parcours.jeune, timeout=WAIT)
    page.get_by_role("heading", name="Préparer votre entretien").wait_for(timeout=WAIT)
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    choose(page, "Que faites-vous en ce moment ?", "Je cherche un emploi ou une formation")
    page.get_by_label("Quel métier ou quel secteur vous attire ?").fill("Cuisinier")
    page.get_by_label("Priorité n°1").select_option("formation")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Merci, c'est enregistré.").wait_for(timeout=WAIT)
    assert serious_violations(page) == []
    assert Diagnostic.objects.get(parcours=parcours).reponses_jeune["priorites"] == ["formation"]


@needs_browser
def test_the_counsellor_fills_and_completes_the_diagnostic(log_in, live_server, page, parcours, aiguilleur):
    log_in(page, aiguilleur)
    page.goto(f"{live_server.url}/diagnostic/parcours/{parcours.uuid}/")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Commencer le diagnostic").click()
    page.get_by_role("heading", name="Étapes").wait_for(timeout=WAIT)
    page.get_by_role("link", name="Commencer l'entretien").click()

    page.get_by_role("heading", name="Urgence").wait_for(timeout=WAIT)
    assert serious_violations(page) == []
    page.get_by_text("Manger", exact=True).click()
    choose(page, "Risque de perdre à nouveau le contact", "Élevé : orienter tout de suite")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    page.get_by_role("heading", name="Sphère personnelle").wait_for(timeout=WAIT)
    assert serious_violations(page) == []
    choose(page, "Logement : niveau", "Bloquant")
    page.get_by_label("Logement : ce qu'en dit le jeune").fill("Je dors chez une amie")
    choose(page, "Permis de conduire", "En cours")
    page.get_by_role("button", name="Enregistrer et reprendre plus tard").click()

    # Resume later from the list of steps.
    page.get_by_role("link", name="Reprendre l'entretien").click()
    page.get_by_role("heading", name="Sphère professionnelle").wait_for(timeout=WAIT)
    page.get_by_role("button", name="Passer cette étape").click()
    page.get_by_role("heading", name="Projection").wait_for(timeout=WAIT)
    assert serious_violations(page) == []
    page.get_by_label("Les métiers ou secteurs dont vous ne voulez pas").fill("Le bâtiment")
    page.get_by_label("Priorité n°1").select_option("logement")
    page.get_by_label("Combien d'heures par semaine voulez-vous y consacrer ?").fill("20")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.get_by_role("heading", name="Ressources et droits").wait_for(timeout=WAIT)
    assert serious_violations(page) == []
    page.get_by_label("Votre loyer par mois, sans les charges (en euros)").fill("450")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.get_by_text("Étape 6 sur 7").wait_for(timeout=WAIT)
    page.get_by_role("button", name="Enregistrer et continuer").click()

    page.get_by_role("heading", name="Besoins et plan d'action").wait_for(timeout=WAIT)
    assert serious_violations(page) == []
    page.get_by_label("Objectifs").fill("Trouver un hébergement stable")
    page.get_by_label("Qui fait quoi").fill("Le jeune : rappeler le foyer")
    page.get_by_label("Prochain rendez-vous").fill("2030-03-09T14:30")
    page.get_by_role("button", name="Enregistrer et voir la synthèse").click()

    page.get_by_role("heading", level=1, name="Synthèse du diagnostic").wait_for(timeout=WAIT)
    assert serious_violations(page) == []
    page.get_by_role("button", name="Terminer le diagnostic").click()
    page.get_by_text("Diagnostic terminé.").wait_for(timeout=WAIT)
    assert serious_violations(page) == []

    diagnostic = Diagnostic.objects.get(parcours=parcours)
    assert diagnostic.status == DiagnosticStatus.TERMINE and diagnostic.orientation_immediate
    assert diagnostic.reponses["logement"] == {"niveau": "bloquant", "avis_jeune": "Je dors chez une amie"}
    parcours.refresh_from_db()
    assert parcours.status == Status.DIAGNOSTIC_FAIT
