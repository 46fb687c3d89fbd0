from sas.annuaire.schema import ages_from_text, person_keys, zone_keys, zones_by_kind

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
    assert zone_keys(["200046977"], "69266") == ["e:200046977", "x:69"]  # EPCI: the département, to check
    assert zone_keys(None) == ["*"]
    assert zone_keys(["99100"]) == ["p:france"] and zone_keys(["99134"]) == ["p:99134"]
    assert person_keys("97411") >= {"d:974"}


def test_ages_read_from_the_publics_text():
    assert ages_from_text("Jeunes de 16 à 25 ans") == (16, 25)
    assert ages_from_text("jeunes de moins de 26 ans") == (None, 25)
    assert ages_from_text("À partir de 18 ans") == (18, None)
    assert ages_from_text("Tout public") == (None, None)
