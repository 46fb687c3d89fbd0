import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sas.communes.forms import CommuneField
from sas.communes.models import Commune, normalise
from sas.communes.services import import_communes, read_communes


@pytest.fixture(scope="module")
def reference():
    return {c.code_insee: c for c in read_communes()}


def test_reference_keeps_one_row_per_commune_with_all_its_postcodes(reference):
    assert len(reference) > 34_000
    assert reference["69381"].nom == "Lyon 1er Arrondissement"
    assert reference["06088"].codes_postaux.split() == sorted(set(reference["06088"].codes_postaux.split()))
    assert len(reference["06088"].codes_postaux.split()) == 4
    assert reference["69266"].latitude == pytest.approx(45.77188)


def test_merged_communes_keep_their_former_names_for_search(reference):
    assert "|bellegarde sur valserine" in reference["01033"].anciens_noms
    assert reference["01033"].nom == "Valserhône"


def test_normalise_matches_what_people_type():
    assert normalise("Saint-Étienne-de-Saint-Geoirs") == "saint etienne de saint geoirs"
    assert normalise("L'Isle-d'Abeau") == "l isle d abeau"


@pytest.mark.django_db
def test_import_is_dry_run_by_default_then_idempotent():
    report = import_communes()
    assert report.communes_created > 34_000 and not Commune.objects.exists()
    import_communes(wet_run=True)
    count = Commune.objects.count()
    again = import_communes(wet_run=True)
    assert (again.communes_created, again.communes_updated, Commune.objects.count()) == (0, count, count)


@pytest.mark.django_db
@pytest.mark.usefixtures("communes_reference")
def test_search_by_name_former_name_or_postcode(client):
    assert [c.code_insee for c in Commune.objects.search("villeurb")] == ["69266"]
    assert "01033" in [c.code_insee for c in Commune.objects.search("Bellegarde-sur")]
    assert {c.code_insee for c in Commune.objects.search("69003")} == {"69383"}
    # Largest first: Lyon arrondissements before smaller places starting with "lyon".
    assert Commune.objects.search("lyon")[0].code_insee.startswith("693")
    assert not Commune.objects.search("  ").exists()

    results = client.get(reverse("communes:search"), {"q": "Vénissieux"}).json()["results"]
    assert results[0]["code_insee"] == "69259" and results[0]["codes_postaux"] == ["69200"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Villeurbanne (69100)", "69266"),
        ("villeurbanne", "69266"),
        ("69100", "69266"),
        ("69266", "69266"),
        ("Lyon 3e Arrondissement", "69383"),
        ("Bellegarde-sur-Valserine", "01033"),
    ],
)
@pytest.mark.usefixtures("communes_reference")
def test_commune_field_resolves_what_people_type(typed, expected):
    assert CommuneField().clean(typed).code_insee == expected


@pytest.mark.django_db
@pytest.mark.usefixtures("communes_reference")
def test_commune_field_explains_ambiguity_and_unknown_names():
    with pytest.raises(ValidationError, match="Plusieurs communes correspondent, précisez : « Saint-Denis"):
        CommuneField().clean("Saint-Denis")
    with pytest.raises(ValidationError, match="Aucune commune ne correspond à « Zzzville »"):
        CommuneField().clean("Zzzville")
