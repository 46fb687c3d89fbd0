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
def test_queue_and_tasks_in_a_browser(log_in, live_server, page, make_parcours, aiguilleur, collegue):
    late = make_parcours(prenom="Tardif", at=timezone.now() - datetime.timedelta(days=4))
    make_parcours(prenom="Recent", telephone="+33612345679")
    services.creer_tache(late, "appel", echeance=timezone.now(), motif="Rappeler en fin de journée")

    log_in(page, aiguilleur)
    page.goto(f"{live_server.url}/parcours/file-active/")
    page.get_by_role("heading", level=1, name="File active du territoire").wait_for()
    assert serious_violations(page) == []

    page.get_by_role("button", name="Plus de filtres").click()
    page.get_by_text("Seulement les parcours en retard sur un objectif").click()
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_role("link", name="Retirer les filtres").wait_for()
    assert page.get_by_role("link", name="Recent").count() == 0
    assert page.get_by_text("Premier contact : en retard depuis le").count() == 1

    page.get_by_role("button", name="Me l'attribuer : Tardif").click()
    page.get_by_text(f"suivi par {aiguilleur}.").wait_for()
    assert f"{aiguilleur} : 1 parcours en cours" in page.content()
    assert page.get_by_role("button", name="Me l'attribuer : Tardif").count() == 0

    page.get_by_role("link", name="Mes tâches d'appel et de visite").click()
    page.get_by_role("heading", level=1, name="Mes tâches").wait_for()
    assert serious_violations(page) == []
    page.get_by_label("Résultat").select_option("message_laisse")
    page.get_by_role("button", name="Noter : appel de Tardif").click()
    page.get_by_text("Appel notée : message laissé.").wait_for()
    assert TacheContact.objects.get().resultat == "message_laisse"

    # Called, Tardif is now in progress; Recent, still to handle, goes to a colleague: tick, choose, send.
    page.get_by_role("link", name="File active du territoire").first.click()
    page.get_by_role("link", name="À traiter (1)").wait_for()
    assert page.get_by_role("link", name="En cours (1)").count() == 1
    assert serious_violations(page) == []
    page.get_by_label("Choisir Recent").check(force=True)  # DSFR draws the box on its label
    page.get_by_label("Attribuer à").select_option(label=str(collegue))
    page.get_by_role("button", name="Attribuer", exact=True).click()
    page.get_by_text(f"1 parcours attribué à {collegue}.").wait_for()
    assert f"{collegue} : 1 parcours en cours" in page.content()


@needs_browser
def test_a_possible_duplicate_is_reviewed_and_merged_in_a_browser(
    log_in, live_server, page, make_parcours, aiguilleur, ase
):
    from sas.parcours.models import SignalementSource
    from sas.prescription.models import Decision, DoublonPossible
    from sas.prescription.services import SignalementData, signaler

    existant = make_parcours(prenom="Inès", nom="Benali", email="ines@example.org")
    commune = existant.jeune.commune
    existant.territory.communes.add(commune)
    data = SignalementData(prenom="Inès", commune=commune, email="ines@example.org", tranche_age="18-21")
    signaler(data, source=SignalementSource.PROCHE)  # the email alone: a possible duplicate
    doublon = DoublonPossible.objects.get()

    log_in(page, aiguilleur)
    page.goto(f"{live_server.url}/parcours/file-active/")
    page.get_by_role("heading", level=2, name="Doublons possibles").wait_for()
    table = page.get_by_role("table", name=f"Doublon possible n° {doublon.pk} : courriel en commun")
    assert table.get_by_role("row", name="Prénom et nom").inner_text().count("Inès") == 2
    assert serious_violations(page) == []

    page.get_by_role("button", name=f"Fusionner le doublon possible n° {doublon.pk}").click()
    page.get_by_text("Signalement rattaché au parcours de Inès Benali.").wait_for()
    assert page.get_by_role("heading", name="Doublons possibles").count() == 0
    doublon.refresh_from_db()
    assert doublon.decision == Decision.FUSIONNES
    assert existant.signalements.count() == 2


@needs_browser
def test_the_queue_fits_a_320px_phone_and_its_table_scrolls_by_keyboard(
    log_in, live_server, telephone, make_parcours, aiguilleur
):
    make_parcours(prenom="Tardif", at=timezone.now() - datetime.timedelta(days=4))
    make_parcours(prenom="Recent")
    page = telephone
    log_in(page, aiguilleur, "/parcours/file-active/")
    page.get_by_role("heading", level=1, name="File active du territoire").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    # The table is wider than the phone: it scrolls inside its DSFR container, which the keyboard reaches.
    container = page.locator(".fr-table__container").last
    assert container.evaluate("c => c.scrollWidth > c.clientWidth")
    assert container.get_attribute("tabindex") == "0"
    assert serious_violations(page, impacts=("moderate", "serious", "critical")) == []
    page.context.close()
