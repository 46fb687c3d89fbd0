"""A service as the young person reads it: one sentence, where, when, how to reach it."""

import pytest

from sas.annuaire.factories import service
from sas.annuaire.matching import distance_km
from sas.annuaire.presentation import PHRASE_MAX, Fiche, fiche, horaires_en_clair, premiere_phrase
from sas.communes.factories import CommuneFactory

LYON_3 = {"latitude": 45.75141, "longitude": 4.86848}


@pytest.mark.parametrize(
    ("osm", "words"),
    [
        ("Mo-Fr 09:00-12:30,13:30-17:00", "du lundi au vendredi, de 9 h à 12 h 30 et de 13 h 30 à 17 h"),
        ("Mo,We 14:00-18:00; Sa 09:00-12:00", "le lundi et le mercredi, de 14 h à 18 h ; le samedi, de 9 h à 12 h"),
        ("Sa-Su 10:00-16:00; PH off", "le samedi et le dimanche, de 10 h à 16 h"),
        ("Tu off", "le mardi, fermé"),
        ("24/7", "tous les jours, à toute heure"),
        # What it cannot read is shown as written rather than guessed.
        ("Sur rendez-vous le matin", "Sur rendez-vous le matin"),
        ("Mo-Fr 9h-12h", "Mo-Fr 9h-12h"),
        ("", ""),
    ],
)
def test_opening_hours_in_words(osm, words):
    assert horaires_en_clair(osm) == words


def test_the_first_sentence_only_and_never_too_long():
    assert premiere_phrase("Aide au permis.  Présentation sur demande.") == "Aide au permis."
    assert premiere_phrase("Sans point final") == "Sans point final"
    long = " ".join(["mot"] * 200) + "."
    phrase = premiere_phrase(long)
    assert len(phrase) <= PHRASE_MAX + 1 and phrase.endswith("…")


@pytest.mark.django_db
def test_the_card_says_where_when_and_how_to_reach_it():
    villeurbanne = CommuneFactory(nom="Villeurbanne", latitude=45.77188, longitude=4.88983)
    s = service(
        "permis",
        structure_fields={
            "nom": "Auto-école sociale",
            "telephone": "04 78 00 00 00",
            "site_web": "https://ae.example.org",
        },
        nom="Permis accompagné",
        description="Vous aide à passer le permis. Présentation détaillée sur demande.",
        adresse="12 rue de la Part-Dieu",
        code_postal="69003",
        commune="Lyon",
        modes_accueil=["en-presentiel"],
        horaires_accueil="Mo-Fr 09:00-17:00",
        frais="gratuit",
        **LYON_3,
    )
    card = fiche(s, villeurbanne)
    assert (card.nom, card.structure, card.phrase) == (
        "Permis accompagné",
        "Auto-école sociale",
        "Vous aide à passer le permis.",
    )
    assert card.adresse == "12 rue de la Part-Dieu, 69003 Lyon"
    expected = distance_km(villeurbanne.latitude, villeurbanne.longitude, LYON_3["latitude"], LYON_3["longitude"])
    assert card.distance == f"à environ {expected:.1f} km de Villeurbanne".replace(".", ",")
    assert f"mlat={LYON_3['latitude']}" in card.carte
    assert card.horaires == "du lundi au vendredi, de 9 h à 17 h"
    # The structure's contact when the service has none of its own.
    assert (card.telephone, card.telephone_lien, card.site_web) == (
        "04 78 00 00 00",
        "tel:0478000000",
        "https://ae.example.org/",
    )
    assert card.gratuit


@pytest.mark.django_db
def test_a_remote_service_needs_no_trip():
    card = fiche(service("ecoute", modes_accueil=["a-distance"], telephone="0800 000 000"), CommuneFactory())
    assert (card.en_presentiel, card.a_distance, card.distance, card.carte, card.adresse) == (False, True, "", "", "")


@pytest.mark.parametrize(
    ("telephone", "lisible"),
    [
        ("+33472000010", "04 72 00 00 10"),
        ("04.72.00.00.10", "04 72 00 00 10"),
        ("0472000010", "04 72 00 00 10"),
        ("+41 22 000 00 00", "+41 22 000 00 00"),
        ("3939", "3939"),
    ],
)
def test_a_french_number_is_shown_as_people_write_it(telephone, lisible):
    fiche = Fiche(**{**dict.fromkeys(Fiche.__dataclass_fields__, ""), "telephone": telephone})
    assert fiche.telephone_lisible == lisible
