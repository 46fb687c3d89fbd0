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


def accessible_page(page, heading, **role):
    """Waits for the page headed `heading`, then finds no serious violation on it."""
    page.get_by_role("heading", name=heading, **role).wait_for(timeout=WAIT)
    assert serious_violations(page) == []


def send(page, fields, button="Enregistrer et continuer"):
    """Fills the text fields `fields` (label: value) of a step and sends it."""
    for label, value in fields.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name=button).click()


def choose(page, group, label):
    page.locator("fieldset", has_text=group).get_by_text(label, exact=True).click()


@needs_browser
def test_the_young_person_prepares_on_a_small_screen(live_server, page, parcours):
    page.set_viewport_size({"width": 320, "height": 640})
    token = LienJeune.creer(parcours).token
    page.goto(f"{live_server.url}/diagnostic/j/{token}/preparer/")
    # The check first, accessible too; then the page asked for.
    accessible_page(page, "Vérifions que c'est bien vous")
    verifier_dans_le_navigateur(page, parcours.jeune, timeout=WAIT)
    accessible_page(page, "Préparer votre entretien")
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

    accessible_page(page, "Urgence")
    page.get_by_text("Manger", exact=True).click()
    choose(page, "Risque de perdre à nouveau le contact", "Élevé : orienter tout de suite")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    accessible_page(page, "Sphère personnelle")
    choose(page, "Logement : niveau", "Bloquant")
    page.get_by_label("Logement : ce qu'en dit le jeune").fill("Je dors chez une amie")
    choose(page, "Permis de conduire", "En cours")
    page.get_by_role("button", name="Enregistrer et reprendre plus tard").click()

    # Resume later from the list of steps.
    page.get_by_role("link", name="Reprendre l'entretien").click()
    page.get_by_role("heading", name="Sphère professionnelle").wait_for(timeout=WAIT)
    page.get_by_role("button", name="Passer cette étape").click()
    accessible_page(page, "Projection")
    page.get_by_label("Priorité n°1").select_option("logement")
    send(
        page,
        {
            "Les métiers ou secteurs dont vous ne voulez pas": "Le bâtiment",
            "Combien d'heures par semaine voulez-vous y consacrer ?": "20",
        },
    )
    accessible_page(page, "Ressources et droits")
    send(page, {"Votre loyer par mois, sans les charges (en euros)": "450"})
    page.get_by_text("Étape 6 sur 7").wait_for(timeout=WAIT)
    page.get_by_role("button", name="Enregistrer et continuer").click()

    accessible_page(page, "Besoins et plan d'action")
    send(
        page,
        {
            "Objectifs": "Trouver un hébergement stable",
            "Qui fait quoi": "Le jeune : rappeler le foyer",
            "Prochain rendez-vous": "2030-03-09T14:30",
        },
        button="Enregistrer et voir la synthèse",
    )

    accessible_page(page, "Synthèse du diagnostic", level=1)
    page.get_by_role("button", name="Terminer le diagnostic").click()
    page.get_by_text("Diagnostic terminé.").wait_for(timeout=WAIT)
    assert serious_violations(page) == []

    diagnostic = Diagnostic.objects.get(parcours=parcours)
    assert diagnostic.status == DiagnosticStatus.TERMINE and diagnostic.orientation_immediate
    assert diagnostic.reponses["logement"] == {"niveau": "bloquant", "avis_jeune": "Je dors chez une amie"}
    parcours.refresh_from_db()
    assert parcours.status == Status.DIAGNOSTIC_FAIT
