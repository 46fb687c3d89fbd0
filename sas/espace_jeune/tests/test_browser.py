"""The young person's page in a real browser (Debian's Chromium) on narrow phones, checked with axe."""

import pytest
from django.urls import reverse

from sas.aiguillage.models import MessageJeune
from sas.browser_testing import needs_browser, on_first_screen, serious_violations
from sas.jeunes.models import Consent
from sas.parcours.status import Status
from sas.rendezvous.models import RendezVous

pytestmark = [needs_browser, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FITS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def phone(browser, width, height):
    return browser.new_context(locale="fr-FR", viewport={"width": width, "height": height}).new_page()


def test_the_young_person_accepts_and_picks_a_slot_on_a_360px_phone_then_the_diagnostic_is_done(
    log_in, live_server, browser, lien, parcours, creneaux, aiguilleur, questionnaire_publie
):
    page = phone(browser, 360, 740)
    page.goto(live_server.url + reverse("espace_jeune:page", args=[lien.token]))
    page.get_by_role("heading", level=1, name="Bonjour Inès").wait_for()
    assert serious_violations(page) == [] and page.evaluate(FITS)

    page.get_by_role("button", name="J'accepte d'être accompagné ou accompagnée").click()
    page.get_by_text("Merci. L'équipe SAS va vous contacter.").wait_for(timeout=5000)
    assert serious_violations(page) == [] and page.evaluate(FITS)

    page.locator("label", has_text="en personne, 12 rue de la République").click()
    page.get_by_role("button", name="Choisir ce rendez-vous").click()
    page.get_by_text("Votre rendez-vous est confirmé").wait_for(timeout=5000)
    assert serious_violations(page) == [] and page.evaluate(FITS)
    page.context.close()

    assert Consent.objects.get().jeune_id == parcours.jeune_id
    rdv = RendezVous.objects.get()
    assert (rdv.creneau, rdv.pris_par) == (creneaux[0], "jeune")
    parcours.refresh_from_db()
    assert parcours.status == Status.CONTACTE

    # Then the counsellor runs the interview and completes the diagnostic.
    desk = browser.new_context(locale="fr-FR").new_page()
    log_in(desk, aiguilleur)
    desk.goto(live_server.url + reverse("diagnostic:parcours", args=[parcours.uuid]))
    desk.get_by_role("button", name="Commencer le diagnostic").click()
    desk.get_by_role("link", name="Commencer l'entretien").click()
    plan = desk.get_by_role("heading", name="Besoins et plan d'action")
    while not plan.is_visible():
        desk.get_by_role("button", name="Passer cette étape").click()
        desk.wait_for_load_state()
    assert serious_violations(desk) == []
    desk.get_by_label("Objectifs").fill("Reprendre une formation")
    desk.get_by_role("button", name="Enregistrer et voir la synthèse").click()
    desk.get_by_role("button", name="Terminer le diagnostic").click()
    desk.get_by_text("Diagnostic terminé.").wait_for(timeout=5000)
    assert serious_violations(desk) == []
    parcours.refresh_from_db()
    assert parcours.status == Status.DIAGNOSTIC_FAIT


def test_on_a_320px_phone_every_page_is_readable_and_accessible(live_server, browser, lien, creneaux):
    page = phone(browser, 320, 640)
    pages = [
        reverse("espace_jeune:page", args=[lien.token]),
        reverse("espace_jeune:refuser", args=[lien.token]),
        reverse("espace_jeune:stop", args=[lien.token]),
        reverse("espace_jeune:code"),
        "/j/0-aaaaaaaaaaaa/",
    ]
    for path in pages:
        page.goto(live_server.url + path)
        assert serious_violations(page) == [], path
        assert page.evaluate(FITS), path
    # A wrong code typed on a phone: the error is announced and the page still fits.
    page.goto(live_server.url + reverse("espace_jeune:code"))
    page.get_by_label("Votre code").fill("abcd-efgh")
    page.get_by_role("button", name="Ouvrir ma page").click()
    page.get_by_text("Ce code n'est pas valable").first.wait_for(timeout=5000)
    assert serious_violations(page) == [] and page.evaluate(FITS)
    page.context.close()


AXE = ("moderate", "serious", "critical")


def test_on_a_360x640_phone_the_action_expected_now_is_on_the_first_screen(
    live_server, browser, lien, parcours, creneaux, aiguilleur
):
    page = phone(browser, 360, 640)
    page.goto(live_server.url + reverse("espace_jeune:page", args=[lien.token]))
    accept = page.get_by_role("button", name="J'accepte d'être accompagné ou accompagnée")
    assert on_first_screen(page, accept)
    assert serious_violations(page, AXE) == [] and page.evaluate(FITS)

    accept.click()
    page.get_by_text("Merci. L'équipe SAS va vous contacter.").wait_for(timeout=5000)
    # Then the slot: the choices and the button, under the confirmation, still without scrolling.
    choose = page.get_by_role("button", name="Choisir ce rendez-vous")
    assert on_first_screen(page, choose)
    assert serious_violations(page, AXE) == [] and page.evaluate(FITS)
    page.locator("#maintenant label", has_text="en personne, 12 rue de la République").click()
    choose.click()
    page.get_by_text("Votre rendez-vous est confirmé").wait_for(timeout=5000)
    assert on_first_screen(page, page.locator("#maintenant"))
    assert serious_violations(page, AXE) == [] and page.evaluate(FITS)

    # Writing to the counsellor: folded, opened, sent.
    page.get_by_role("button", name="Écrire à mon conseiller ou ma conseillère").click()
    page.get_by_label("Votre message").fill("Je serai peut-être en retard mardi.")
    # Away from the fold's button: its hover colour would be read as the hint's background.
    page.mouse.move(0, 0)
    assert serious_violations(page, AXE) == []
    page.get_by_role("button", name="Envoyer mon message").click()
    page.get_by_text("Votre message est envoyé.").wait_for(timeout=5000)
    assert serious_violations(page, AXE) == [] and page.evaluate(FITS)
    page.context.close()
    assert MessageJeune.objects.get(parcours=parcours).texte == "Je serai peut-être en retard mardi."
