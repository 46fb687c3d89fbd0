import datetime

import pytest

from sas.espace_jeune.models import LienJeune
from sas.messagerie import gabarits, gsm7
from sas.messagerie.envoi import envoyer

from .conftest import MARDI, nouveau_parcours


def test_gsm7_counts_160_characters_per_segment_then_153():
    assert gsm7.est_gsm7("Bonjour, à très bientôt"[:15])
    assert gsm7.segments("a" * 160) == 1
    assert gsm7.segments("a" * 161) == 2
    assert gsm7.segments("a" * 306) == 2
    assert gsm7.segments("a" * 307) == 3


def test_extension_characters_count_twice():
    assert gsm7.est_gsm7("prix : 5 €")
    assert gsm7.longueur("€[]") == 6
    assert gsm7.segments("a" * 158 + "€") == 1
    assert gsm7.segments("a" * 159 + "€") == 2


@pytest.mark.parametrize("lettre", ["ê", "â", "î", "ô", "û", "ç", "’"])
def test_one_character_outside_gsm7_drops_the_segment_to_70(lettre):
    texte = "a" * 69 + lettre
    assert not gsm7.est_gsm7(texte)
    assert gsm7.segments(texte) == 1
    assert gsm7.segments(texte + "a") == 2
    assert gsm7.segments("a" * 133 + lettre) == 2
    assert gsm7.segments("a" * 134 + lettre) == 3
    # The same text without it is far from full.
    assert gsm7.segments("a" * 71) == 1


def test_accents_of_the_gsm7_alphabet_keep_it():
    assert gsm7.est_gsm7("é è à ù ì ò É Ç Ä Ö Ñ Ü ä ö ñ ü")


def test_names_are_brought_back_to_gsm7():
    assert gsm7.vers_gsm7("Jérôme-Anaïs François’s") == "Jérome-Anais Francois's"
    assert gsm7.est_gsm7(gsm7.vers_gsm7("Chloë Maëlle Benoît Noémie Œdipe"))


@pytest.mark.parametrize("nom", sorted(gabarits.GABARITS))
def test_every_sms_template_is_written_in_gsm7(nom):
    assert gsm7.est_gsm7(gabarits.GABARITS[nom].sms), "writing outside GSM-7 halves the room for the message"


LONGS = {
    "prenom": "Marie-Charlotte-Françoise",
    "conseiller": "Jean-Baptiste-Hippolyte",
    "prescripteur": "Service pénitentiaire d'insertion et de probation du Rhône",
    "rdv": datetime.datetime(2026, 3, 18, 14, 30, tzinfo=datetime.UTC),
    "modalite": "en visioconférence",
    "lieu": "Mission locale de Lyon, 12 rue de la République, 69003 Lyon",
    "resume": "Objectif : BAFA.",
    "structure": "Association départementale de sauvegarde de l'enfance et de l'adolescence",
    "code_verification": "123456",
}


@pytest.mark.parametrize("nom", sorted(gabarits.GABARITS))
def test_every_sms_fits_one_segment_with_long_names_and_a_real_link(nom, territory, aiguilleur):
    parcours = nouveau_parcours(territory, aiguilleur)
    # A link with a large id: the token grows with it.
    lien = LienJeune.objects.create(pk=2_000_000, parcours=parcours, expires_at=MARDI + datetime.timedelta(days=30))
    assert lien.url.startswith("https://sas.beta.gouv.fr/j/")
    sms = gabarits.rendre_sms(nom, {**LONGS, "lien": lien.url})
    assert gsm7.est_gsm7(sms)
    assert gsm7.segments(sms) == 1, (len(sms), sms)
    assert lien.url in sms
    assert "Jean-Baptiste" in sms or "Jean" in sms


@pytest.mark.parametrize("nom", sorted(gabarits.GABARITS))
def test_short_names_are_kept_whole(nom):
    valeurs = {**LONGS, "prenom": "Inès", "conseiller": "Camille", "prescripteur": "Mission locale de Lyon"}
    sms = gabarits.rendre_sms(nom, {**valeurs, "lien": "https://sas.beta.gouv.fr/j/1ekf-abcdefghijkl/"})
    assert "Camille" in sms
    if "{prescripteur}" in gabarits.GABARITS[nom].sms.lower():
        assert "ission locale de Lyon" in sms
    assert gsm7.segments(sms) == 1


def test_the_first_sms_names_the_counsellor_and_the_prescriber(territory, aiguilleur):
    parcours = nouveau_parcours(territory, aiguilleur, prenom="Inès")
    message = envoyer(parcours, "premier_contact", canal="sms", at=MARDI)
    lien = LienJeune.objects.get(parcours=parcours)
    assert message.texte_envoye() == (
        f"Inès, ici Camille de l'équipe SAS. Mission locale de Lyon nous a parlé de vous. On en parle ? {lien.url}"
    )
    assert gsm7.segments(message.texte_envoye()) == 1
    # Stored with the token masked: the text staff read opens nothing.
    assert message.corps == (
        "Inès, ici Camille de l'équipe SAS. Mission locale de Lyon nous a parlé de vous. On en parle ?"
        " https://sas.beta.gouv.fr/j/•••••/"
    )


def test_without_counsellor_or_prescriber_the_team_and_a_relative_sign(territory):
    parcours = nouveau_parcours(territory, None, prescripteur="x")
    parcours.signalements.update(organisation=None)
    message = envoyer(parcours, "premier_contact", canal="email", at=MARDI)
    assert message.sujet == "L'équipe SAS vous contacte de la part de un proche"
    assert "Nous sommes l'équipe SAS." in message.corps and "par un proche" in message.corps


def test_email_has_subject_link_and_stop_link(parcours):
    rdv = {cle: LONGS[cle] for cle in ("rdv", "modalite", "lieu")}
    message = envoyer(parcours, "rdv_confirme", canal="email", at=MARDI, contexte=rdv)
    lien = LienJeune.objects.get(parcours=parcours)
    assert message.sujet == "Votre rendez-vous du mercredi 18/03 à 15h30 est confirmé"
    assert "Bonjour Inès," in message.corps
    assert "Camille de l'équipe SAS" in message.corps
    assert "En visioconférence" in message.corps and "12 rue de la République" in message.corps
    assert lien.url in message.texte_envoye()
    assert f"https://sas.beta.gouv.fr/j/{lien.token}/stop/" in message.texte_envoye()
    assert lien.token not in message.corps + message.sujet
    assert "https://sas.beta.gouv.fr/j/•••••/stop/" in message.corps


def test_letter_has_the_same_text_with_the_address_and_the_code(territory, aiguilleur):
    parcours = nouveau_parcours(territory, aiguilleur, telephone="", email="", adresse="3 rue des Lilas\n69003 Lyon")
    message = envoyer(parcours, "premier_contact", at=MARDI)
    lien = LienJeune.objects.get(parcours=parcours)
    assert message.canal == "courrier" and message.destinataire == "3 rue des Lilas\n69003 Lyon"
    assert "https://sas.beta.gouv.fr/j/" in message.corps
    assert f"avec votre code personnel : {lien.token}" in message.texte_envoye()
    assert lien.token not in message.corps and "avec votre code personnel : •••••" in message.corps
    assert "Nous avons eu vos coordonnées par Mission locale de Lyon" in message.corps


def test_an_unknown_template_or_a_missing_value_is_a_clear_error(parcours):
    with pytest.raises(ValueError, match="Modèle de message inconnu"):
        envoyer(parcours, "bienvenue", at=MARDI)
    with pytest.raises(ValueError, match="a besoin de « quand »"):
        envoyer(parcours, "rdv_confirme", at=MARDI)
