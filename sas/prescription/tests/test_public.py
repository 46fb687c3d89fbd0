import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sas.aiguillage import cadence
from sas.browser_testing import launch, needs_browser, serious_violations
from sas.communes.factories import CommuneFactory
from sas.jeunes.factories import JeuneFactory
from sas.jeunes.models import Consent, Jeune
from sas.messagerie.models import Message
from sas.organisations.factories import TerritoryFactory
from sas.parcours.factories import ParcoursFactory, SignalementFactory
from sas.parcours.models import Signalement, SignalementSource
from sas.parcours.status import Status
from sas.prescription.models import DoublonPossible
from sas.prescription.views_public import formulaires_envoyes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

URL = reverse("public:formulaire")
MERCI = reverse("public:merci")


@pytest.fixture
def commune():
    commune = CommuneFactory(nom="Villeurbanne", nom_normalise="villeurbanne", codes_postaux="69100")
    TerritoryFactory(communes=[commune])
    return commune


def proche(**overrides):
    values = {
        "lien": "fratrie",
        "declarant_nom": "Samia Benali",
        "declarant_contact": "samia@example.org",
        "jeune_informe": "non",
        "prenom": "Inès",
        "commune": "Villeurbanne",
        "tranche_age": "18-21",
        "telephone": "06 12 34 56 78",
        "email": "",
        "motif": "Elle a quitté le foyer à 18 ans et ne sort plus de sa chambre.",
        "site_web": "",
    }
    return {**values, **overrides}


def jeune(**overrides):
    values = {
        "prenom": "Yanis",
        "commune": "69100",
        "date_naissance": (timezone.localdate() - datetime.timedelta(days=20 * 365)).isoformat(),
        "telephone": "",
        "email": "yanis@example.org",
        "motif": "Je n'ai plus de nouvelles de ma conseillère.",
        "accord": "on",
        "site_web": "",
    }
    return {**values, **overrides}


def post(client, qui, data, ip="203.0.113.7", **extra):
    return client.post(f"{URL}?qui={qui}", data, REMOTE_ADDR=ip, **extra)


def test_without_choice_the_page_asks_who_the_request_is_for(client):
    response = client.get(URL)
    assert f"{URL}?qui=jeune".encode() in response.content
    assert f"{URL}?qui=proche".encode() in response.content
    assert b"<form" not in response.content


def test_a_relative_signals_a_young_person_who_starts_unverified(client, commune):
    response = post(client, "proche", proche())
    assert response.status_code == 302 and response["Location"] == f"{MERCI}?pour=proche"
    signalement = Signalement.objects.select_related("parcours__jeune").get()
    assert (signalement.source, signalement.verifie, signalement.organisation) == (
        SignalementSource.PROCHE,
        False,
        None,
    )
    assert (signalement.declarant_nom, signalement.declarant_contact) == ("Samia Benali", "samia@example.org")
    assert (signalement.declarant_lien, signalement.jeune_informe) == ("Frère ou sœur", False)
    assert signalement.motif.startswith("Elle a quitté le foyer")
    jeune_ = signalement.parcours.jeune
    assert (jeune_.prenom, jeune_.commune, jeune_.telephone, jeune_.tranche_age) == (
        "Inès",
        commune,
        "+33612345678",
        "18-21",
    )
    assert signalement.parcours.status == Status.SIGNALE
    # A relative cannot consent on the young person's behalf.
    assert not Consent.objects.exists()


def test_a_young_person_asking_to_be_contacted_is_unverified_and_consents_to_nothing_yet(client, commune):
    response = post(client, "jeune", jeune())
    assert response["Location"] == f"{MERCI}?pour=jeune"
    signalement = Signalement.objects.get()
    assert (signalement.source, signalement.verifie, signalement.jeune_informe) == (
        SignalementSource.JEUNE,
        False,
        True,
    )
    assert (signalement.declarant_nom, signalement.declarant_lien) == ("", "")
    assert (signalement.email_propose, signalement.telephone_propose) == ("yanis@example.org", "")
    assert Jeune.objects.get().email == "yanis@example.org"
    # Anyone can say they are the young person: the consent is asked again on their page, after verification.
    assert not Consent.objects.exists()


def known_young_person(commune):
    """Yanis, followed on the territory after a prescriber's signalement; no phone on file."""
    jeune_ = JeuneFactory(prenom="Yanis", nom="Amrani", email="yanis@example.org", telephone="", commune=commune)
    parcours = ParcoursFactory(jeune=jeune_, territory=commune.territories.get())
    SignalementFactory(parcours=parcours)
    return parcours


def test_knowing_an_email_does_not_take_over_a_young_person_through_the_public_form(client, commune):
    # Finding 1: "je suis le jeune" with a known email and the attacker's own phone.
    existing = known_young_person(commune)
    response = post(client, "jeune", jeune(telephone="07 66 55 44 33"))
    assert response["Location"] == f"{MERCI}?pour=jeune"  # as for anyone
    existing.jeune.refresh_from_db()
    assert existing.jeune.telephone == ""  # not filled with the attacker's number
    assert existing.signalements.count() == 1 and existing.events.count() == 1  # not attached
    assert not Consent.objects.exists()  # no consent in their name
    new = Signalement.objects.exclude(parcours=existing).get()
    assert (new.verifie, new.telephone_propose, new.email_propose) == (False, "+33766554433", "yanis@example.org")
    doublon = DoublonPossible.objects.get()
    assert (doublon.nouveau, doublon.existant, doublon.identifiants) == (new.parcours, existing, ["email"])
    # No message leaves for the attacker's phone, nor for the young person (their journey had no message due).
    cadence.avancer(timezone.now() + datetime.timedelta(days=20))
    assert not Message.objects.filter(parcours=new.parcours).exists()
    assert not Message.objects.filter(destinataire="+33766554433").exists()
    assert Message.objects.filter(parcours=existing, destinataire="yanis@example.org").exists()


def test_a_strong_match_through_the_public_form_changes_nothing_of_the_known_record(client, commune):
    existing = known_young_person(commune)
    # Email, first name and birth date agree: the same person, but nobody vouches for the phone given.
    birth = existing.jeune.date_naissance.isoformat()
    post(client, "jeune", jeune(telephone="07 66 55 44 33", date_naissance=birth))
    existing.jeune.refresh_from_db()
    assert existing.jeune.telephone == "" and not Consent.objects.exists()
    attached = existing.signalements.get(source=SignalementSource.JEUNE)
    assert (attached.verifie, attached.telephone_propose) == (False, "+33766554433")
    assert Jeune.objects.count() == 1


def test_the_relative_form_is_no_sms_cannon(client, commune):
    # Finding 6: any phone number through "un proche" must not make the cadence text it.
    post(client, "proche", proche(prenom="Venez sur arnaque.example", telephone="06 11 22 33 44"))
    parcours = Signalement.objects.get().parcours
    cadence.avancer(timezone.now())
    cadence.avancer(timezone.now() + datetime.timedelta(days=20))
    assert not Message.objects.exists()
    parcours.refresh_from_db()
    assert parcours.status == Status.SIGNALE


def test_the_young_person_must_agree_to_be_contacted(client, commune):
    response = post(client, "jeune", jeune(accord=""))
    assert response.status_code == 200
    assert "accord" in response.context["form"].errors
    assert not Signalement.objects.exists()


def test_the_acknowledgement_says_what_happens_next_and_the_same_for_known_and_unknown_people(client, commune):
    known = JeuneFactory(telephone="+33612345678", commune=commune)
    ParcoursFactory(jeune=known, territory=commune.territories.get())
    first = client.get(post(client, "proche", proche())["Location"]).content.decode()
    second = client.get(post(client, "proche", proche(telephone="06 12 34 00 00"))["Location"]).content.decode()
    assert first == second.replace(second, first)  # same redirect target, hence same page
    assert (
        post(client, "proche", proche())["Location"]
        == post(client, "proche", proche(telephone="0612340001"))["Location"]
    )
    assert "72 heures" in first and "SMS ou par téléphone" in first
    assert "nous ne vous donnerons pas de nouvelles" in first
    assert known.prenom not in first and "déjà" not in first
    assert "C'est vous qui décidez" in client.get(f"{MERCI}?pour=jeune").content.decode()


def test_validation_errors_are_in_french_on_their_fields_and_nothing_is_lost(client, commune):
    data = proche(prenom="", telephone="06 39", declarant_contact="pas un contact", commune="Zzzville")
    response = post(client, "proche", data)
    errors = response.context["form"].errors
    assert errors["prenom"] == ["Ce champ est obligatoire."]
    assert errors["telephone"] == ["Numéro de téléphone invalide."]
    assert errors["declarant_contact"] == ["Indiquez un numéro de téléphone ou une adresse électronique valide."]
    assert errors["commune"] == ["Aucune commune ne correspond à « Zzzville »."]
    html = response.content.decode()
    assert 'value="Samia Benali"' in html
    # All four errors at once at the top of the form, each a link to its field.
    summary = html[html.index('id="formulaire-erreurs"') : html.index("<form ")]
    assert "corrigez ce qui suit" in summary
    for field in ("prenom", "telephone", "declarant_contact", "commune"):
        assert f'<a href="#id_{field}">' in summary
    assert (
        'aria-describedby="id_telephone_helptext id_telephone-desc-error"' in html or "id_telephone-desc-error" in html
    )
    assert not Signalement.objects.exists()


def test_without_any_way_to_reach_the_young_person_the_form_says_so(client, commune):
    response = post(client, "proche", proche(telephone="", email=""))
    assert response.context["form"].errors["telephone"] == [
        "Indiquez un téléphone ou une adresse électronique : sinon personne ne pourra le joindre."
    ]
    assert not Signalement.objects.exists()


def test_errors_from_signaler_come_back_on_the_form_fields(client, commune):
    too_old = (timezone.localdate() - datetime.timedelta(days=40 * 365)).isoformat()
    response = post(client, "jeune", jeune(date_naissance=too_old))
    assert response.context["form"].errors["date_naissance"][0].startswith("SAS accompagne les jeunes de 15 à 29 ans")
    uncovered = CommuneFactory(nom="Bron", nom_normalise="bron", codes_postaux="69500")
    response = post(client, "jeune", jeune(commune="Bron"))
    assert response.context["form"].errors["commune"] == [
        f"{uncovered.nom} n'est pas encore couverte par une équipe SAS."
    ]
    assert not Signalement.objects.exists()


def test_an_ambiguous_commune_lists_suggestions_then_the_exact_label_is_accepted(client):
    laval = CommuneFactory(nom="Saint-Genis-Laval", nom_normalise="saint genis laval", codes_postaux="69230")
    CommuneFactory(nom="Saint-Genis-les-Ollières", nom_normalise="saint genis les ollieres", codes_postaux="69290")
    TerritoryFactory(communes=[laval])
    response = post(client, "proche", proche(commune="Saint-Genis"))
    [error] = response.context["form"].errors["commune"]
    assert error.startswith("Plusieurs communes correspondent, précisez :")
    assert "« Saint-Genis-Laval (69230) »" in error and "« Saint-Genis-les-Ollières (69290) »" in error
    assert not Signalement.objects.exists()
    assert post(client, "proche", proche(commune="Saint-Genis-Laval (69230)")).status_code == 302
    assert Jeune.objects.get().commune == laval


def test_the_honeypot_gets_the_same_acknowledgement_but_nothing_is_created(client, commune):
    response = post(client, "proche", proche(site_web="http://spam.example"))
    assert response.status_code == 302 and response["Location"] == f"{MERCI}?pour=proche"
    assert not Signalement.objects.exists() and not Jeune.objects.exists()


def test_the_honeypot_is_out_of_sight_but_not_a_hidden_input(client):
    html = client.get(f"{URL}?qui=proche").content.decode()
    start = html.index('<div class="fr-sr-only" aria-hidden="true">')
    honeypot = html[start : html.index("</div>", start)]
    assert "Ne pas remplir ce champ" in honeypot
    assert 'name="site_web"' in honeypot and 'tabindex="-1"' in honeypot and 'autocomplete="off"' in honeypot
    assert 'type="hidden"' not in honeypot


def test_past_the_limit_a_caller_gets_429_and_nothing_is_created(client, commune):
    for n in range(formulaires_envoyes.limit):
        assert post(client, "proche", proche(telephone=f"06123400{n:02d}")).status_code == 302
    assert Signalement.objects.count() == formulaires_envoyes.limit
    response = post(client, "proche", proche(telephone="0612340099"))
    assert response.status_code == 429
    html = response.content.decode()
    assert "Trop de demandes depuis cette connexion" in html and 'value="Samia Benali"' in html
    assert Signalement.objects.count() == formulaires_envoyes.limit
    # Another address is not affected, and the honeypot counts too.
    assert post(client, "proche", proche(telephone="0612340099"), ip="198.51.100.1").status_code == 302
    assert Signalement.objects.count() == formulaires_envoyes.limit + 1


def test_errors_do_not_use_up_the_limit(client, commune):
    for _ in range(formulaires_envoyes.limit + 2):
        assert post(client, "proche", proche(prenom="")).status_code == 200
    assert post(client, "proche", proche()).status_code == 302


def test_bots_filling_the_honeypot_use_up_the_limit(client, commune):
    for _ in range(formulaires_envoyes.limit):
        post(client, "proche", proche(site_web="x"))
    assert post(client, "proche", proche()).status_code == 429
    assert not Signalement.objects.exists()


def test_x_forwarded_for_is_ignored_unless_a_setting_trusts_it(client, commune, settings):
    for n in range(formulaires_envoyes.limit):
        post(client, "proche", proche(telephone=f"06123400{n:02d}"), HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert post(client, "proche", proche(), HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429
    settings.SAS_TRUSTED_PROXIES = 1
    response = post(client, "proche", proche(), HTTP_X_FORWARDED_FOR="10.9.9.9, 192.0.2.99")
    assert response.status_code == 302


def test_csrf_stays_on(commune):
    client = Client(enforce_csrf_checks=True)
    assert post(client, "proche", proche()).status_code == 403
    assert not Signalement.objects.exists()


@needs_browser
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_relative_uses_the_form_on_a_320px_wide_phone(live_server):
    from playwright.sync_api import sync_playwright

    commune = CommuneFactory(nom="Villeurbanne", nom_normalise="villeurbanne", codes_postaux="69100")
    TerritoryFactory(communes=[commune])
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(locale="fr-FR", viewport={"width": 320, "height": 640})
        page = context.new_page()
        fits = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"

        page.goto(live_server.url + URL)
        assert serious_violations(page) == [] and page.evaluate(fits)
        page.get_by_role("link", name="Pour un proche").click()
        page.get_by_role("button", name="Envoyer la demande").click()
        page.get_by_role("heading", name="corrigez ce qui suit").wait_for(timeout=5000)
        assert serious_violations(page) == [] and page.evaluate(fits)
        # The summary has the focus, and each of its links leads to its field.
        assert page.evaluate("document.activeElement.id") == "formulaire-erreurs"
        page.get_by_role("link", name="Prénom du jeune : Ce champ est obligatoire.").click()
        assert page.evaluate("location.hash") == "#id_prenom"

        page.locator("label", has_text="Frère ou sœur").click()  # DSFR radios: people click the label
        page.get_by_label("Votre nom").fill("Samia Benali")
        page.get_by_label("Votre téléphone ou adresse électronique").fill("samia@example.org")
        page.get_by_label("Non", exact=True).check(force=True)  # DSFR draws the radio on its label
        page.get_by_label("Prénom du jeune").fill("Inès")
        page.get_by_label("Commune où vit le jeune").fill("69100")
        page.get_by_label("Ou, si vous ne la connaissez pas, sa tranche d'âge").select_option("18-21")
        page.get_by_label("Son téléphone portable").fill("06 12 34 56 78")
        page.get_by_role("button", name="Envoyer la demande").click()
        page.get_by_role("heading", level=1, name="Merci, votre demande est bien enregistrée").wait_for(timeout=5000)
        assert serious_violations(page) == [] and page.evaluate(fits)
        browser.close()
    assert Signalement.objects.get().parcours.jeune.prenom == "Inès"


@pytest.mark.parametrize(
    ("qui", "legend"),
    [("jeune", "Au moins un moyen de vous joindre"), ("proche", "Au moins un moyen de joindre le jeune")],
)
def test_the_phone_and_email_are_one_group_whose_legend_says_one_is_needed(client, qui, legend):
    page = client.get(f"{URL}?qui={qui}").content.decode()
    start = page.index(f"{legend}</legend>")
    group = page[start : page.index("</fieldset>", start)]
    assert 'name="telephone"' in group and 'name="email"' in group and "Optionnel" not in group


def test_the_summary_links_a_group_of_radios_to_its_legend(client, commune):
    page = post(client, "proche", proche(lien="")).content.decode()
    summary = page[page.index('id="formulaire-erreurs"') : page.index("<form ")]
    assert '<a href="#id_lien-legend">' in summary and 'id="id_lien-legend"' in page
