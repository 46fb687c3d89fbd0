"""The queue and the task list in a real browser: filters, assignment, marking a task done; axe finds nothing
serious."""

import datetime

import pytest
from django.utils import timezone

from sas.aiguillage import services
from sas.aiguillage.models import TacheContact
from sas.browser_testing import needs_browser, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@needs_browser
def test_queue_and_tasks_in_a_browser(live_server, page, make_parcours, aiguilleur, collegue):
    late = make_parcours(prenom="Tardif", at=timezone.now() - datetime.timedelta(days=4))
    make_parcours(prenom="Recent", telephone="+33612345679")
    services.creer_tache(late, "appel", echeance=timezone.now(), motif="Rappeler en fin de journée")

    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse électronique").fill(aiguilleur.email)
    page.get_by_label("Mot de passe").fill("motdepasse-de-test")
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"{live_server.url}/parcours/file-active/")
    page.get_by_role("heading", level=1, name="File active du territoire").wait_for()
    assert serious_violations(page) == []

    page.get_by_text("Seulement les parcours en retard sur un objectif").click()
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_role("link", name="Retirer les filtres").wait_for()
    assert page.get_by_role("link", name="Recent").count() == 0
    assert page.get_by_text("Premier contact : en retard depuis le").count() == 1

    page.get_by_label("Conseiller de Tardif").select_option(label=str(aiguilleur))
    page.get_by_role("button", name="Affecter Tardif").click()
    page.get_by_text(f"suivi par {aiguilleur}.").wait_for()
    assert f"{aiguilleur} : 1 parcours en cours" in page.content()

    page.get_by_role("link", name="Mes tâches d'appel et de visite").click()
    page.get_by_role("heading", level=1, name="Mes tâches").wait_for()
    assert serious_violations(page) == []
    page.get_by_label("Résultat").select_option("message_laisse")
    page.get_by_role("button", name="Noter : appel de Tardif").click()
    page.get_by_text("Appel notée : message laissé.").wait_for()
    assert TacheContact.objects.get().resultat == "message_laisse"
