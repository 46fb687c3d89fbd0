import datetime

from sas.annuaire.schema import (
    AgesFiche,
    ages_from_text,
    from_older_schema,
    person_keys,
    suspension,
    texte_brut,
    zone_keys,
    zones_by_kind,
)

AURA = ["01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"]


def test_zone_kinds_and_complete_regions():
    assert zones_by_kind(["69266", "69", "200046977", "99100", "france"]) == [
        ("commune", "69266"),
        ("departement", "69"),
        ("epci", "200046977"),
        ("pays", "99100"),
        ("pays", "france"),
    ]
    assert zones_by_kind([*AURA, "75056"]) == [("region", "84"), ("commune", "75056")]


def test_zone_keys_meet_person_keys():
    lyon_3e = person_keys("69383", "69")
    assert {"c:69383", "c:69123", "d:69", "p:france", "*"} <= lyon_3e
    assert lyon_3e & set(zone_keys(["69123"]))  # Lyon contains its arrondissements
    assert not lyon_3e & set(zone_keys(["38185", "38"]))
    # An EPCI meets the EPCI of the person's commune, not its whole département.
    assert zone_keys(["200046977"]) == ["e:200046977"]
    assert person_keys("69266", "69", "200046977") & set(zone_keys(["200046977"]))
    assert not person_keys("69091", "69", "200040715") & set(zone_keys(["200046977"]))
    assert zone_keys(None) == ["*"]
    assert zone_keys(["99100"]) == ["p:france"] and zone_keys(["99134"]) == ["p:99134"]
    assert person_keys("97411") >= {"d:974"}


def test_ages_read_from_the_publics_text():
    assert ages_from_text("Jeunes de 16 à 25 ans") == AgesFiche(16, 25, seul=True)
    assert ages_from_text("jeunes de moins de 26 ans") == AgesFiche(None, 25)
    assert ages_from_text("À partir de 18 ans") == AgesFiche(18, None)
    assert ages_from_text("Tout public") == AgesFiche() and not AgesFiche().connu


def test_an_age_band_among_other_publics_is_not_a_limit():
    listed = ages_from_text("Retraités (+70 ans), jeunes (18-24 ans), actifs")
    assert (listed.age_min, listed.age_max, listed.seul) == (18, 24, False)
    assert not ages_from_text("Adultes, jeunes de 16 à 25 ans").seul
    assert ages_from_text("Jeunes de 16 à 25 ans sortis du système scolaire").seul


def test_html_and_markdown_become_plain_text_with_their_line_breaks():
    assert texte_brut("<p>Accueil <b>sans</b> rendez-vous</p><p>Le mardi &amp; le jeudi</p>") == (
        "Accueil sans rendez-vous\nLe mardi & le jeudi"
    )
    assert texte_brut("<ul><li>CV</li><li>lettre</li></ul><script>alert(1)</script>") == "- CV\n- lettre"
    assert texte_brut("## Atelier\n**Gratuit**, voir [le site](https://exemple.fr)") == (
        "Atelier\nGratuit, voir le site (https://exemple.fr)"
    )
    assert texte_brut("Texte simple, déjà propre.") == "Texte simple, déjà propre."


def test_fields_of_the_older_schema():
    region = from_older_schema({"zone_diffusion_type": "region", "zone_diffusion_code": "11"})
    assert "75" in region["zone_eligibilite"] and "11" not in region["zone_eligibilite"]  # Île-de-France, not Aude
    assert from_older_schema({"zone_eligibilite": ["11"]}) == {"zone_eligibilite": ["11"]}  # v1: a département
    assert from_older_schema({"zone_diffusion_type": "epci", "zone_diffusion_code": "200046977"})[
        "zone_eligibilite"
    ] == ["200046977"]
    assert suspension({"date_suspension": "2025-01-31"}) == datetime.date(2025, 1, 31)
    assert suspension({"statut": "Suspendu", "date_maj": "2025-03-01"}) == datetime.date(2025, 3, 1)
    assert suspension({"statut": "publie"}) is None and suspension({}) is None
