"""The young person's rights in a real browser (Debian's Chromium) on a 360 px phone, checked with axe: they download
their data, correct their phone with a code, ask for erasure; the counsellor completes it."""

import pathlib

import pytest
from django.urls import reverse

from sas.browser_testing import needs_browser, on_first_screen, serious_violations
from sas.espace_jeune.models import LienJeune
from sas.espace_jeune.testing import verifier_dans_le_navigateur
from sas.jeunes.models import Jeune
from sas.rgpd.models import DemandeEffacement

pytestmark = [needs_browser, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FITS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def verifie(page):
    assert serious_violations(page) == [] and page.evaluate(FITS)


def test_rgpd_on_a_360px_phone_download_correct_erase(log_in, live_server, browser, lien, parcours, aiguilleur):
    page = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 740}).new_page()
    page.goto(live_server.url + reverse("espace_jeune:page", args=[lien.token]))
    page.get_by_role("button", name="Mes données et mes droits").click()
    page.get_by_role("link", name="Voir mes données").click()
    verifier_dans_le_navigateur(page, parcours.jeune)
    page.get_by_role("heading", level=1, name="Mes données").wait_for()
    telecharger = page.get_by_role("link", name="Télécharger mes données")
    assert on_first_screen(page, telecharger), "the main action first"
    verifie(page)

    with page.expect_download() as telechargement:
        telecharger.click()
    contenu = pathlib.Path(telechargement.value.path()).read_text(encoding="utf-8")
    assert "Benali" in contenu and "ASE du Rhône" in contenu

    page.get_by_role("button", name="Corriger mon numéro ou mon adresse électronique").click()
    page.get_by_text("Téléphone", exact=True).click()
    page.get_by_label("Le nouveau numéro ou la nouvelle adresse").fill("07 11 22 33 44")
    page.get_by_role("button", name="Recevoir un code").click()
    page.get_by_text("Un code vient d'être envoyé à cette nouvelle adresse").wait_for(timeout=5000)
    verifie(page)
    code = LienJeune.objects.get(pk=lien.pk).code_verification()
    page.get_by_label("Le code reçu (6 chiffres)").fill(code)
    page.get_by_role("button", name="Confirmer").click()
    page.get_by_text("nous utiliserons désormais vos nouvelles coordonnées").wait_for(timeout=5000)
    assert Jeune.objects.get(pk=parcours.jeune_id).telephone == "+33711223344"

    page.get_by_role("button", name="Effacer mes données").click()
    page.get_by_role("link", name="Demander l'effacement de mes données maintenant").click()
    page.get_by_role("heading", level=1, name="Effacer mes données").wait_for()
    verifie(page)
    page.get_by_text("Je demande l'effacement de mes données").click()
    page.get_by_role("button", name="Demander l'effacement").click()
    page.get_by_text("Votre demande est envoyée").wait_for(timeout=5000)
    verifie(page)
    page.context.close()
    assert DemandeEffacement.objects.filter(parcours=parcours, traitee_le__isnull=True).exists()

    desk = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 740}).new_page()
    log_in(desk, aiguilleur)
    desk.goto(live_server.url + reverse("parcours:detail", args=[parcours.uuid]))
    desk.get_by_role("link", name="Données et droits du jeune").click()
    verifie(desk)
    desk.get_by_role("button", name="Effacer les données du jeune").click()
    desk.get_by_text("Les données du jeune sont effacées").wait_for(timeout=5000)
    verifie(desk)
    jeune = Jeune.objects.get(pk=parcours.jeune_id)
    assert jeune.anonymised_at is not None
    assert (jeune.prenom, jeune.nom, jeune.telephone, jeune.date_naissance) == ("", "", "", None)
