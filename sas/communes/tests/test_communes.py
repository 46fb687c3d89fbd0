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


def test_paris_lyon_marseille_are_communes_with_their_arrondissements(reference):
    for city, arrondissement in (("75056", "75119"), ("69123", "69383"), ("13055", "13201")):
        parts = [c for c in reference.values() if c.parent_id == city]
        assert reference[arrondissement] in parts
        assert set(reference[city].codes_postaux.split()) == {code for p in parts for code in p.codes_postaux.split()}
        # No coordinates of its own in the statistical compilation: its arrondissements' centre.
        lats = [p.latitude for p in parts]
        assert min(lats) <= reference[city].latitude <= max(lats)
        assert reference[arrondissement].epci_id == reference[city].epci_id is not None


def test_communes_know_their_epci_and_departements_their_region():
    from sas.communes.services import read_departements, read_epci

    epci = {e.code: e for e in read_epci()}
    communes = read_communes()
    villeurbanne = next(c for c in communes if c.code_insee == "69266")
    assert epci[villeurbanne.epci_id].type == "MET69"
    assert sum(1 for c in communes if c.epci_id == villeurbanne.epci_id) > 50
    regions = {d.code: d.region_id for d in read_departements()}
    # "11" is both Aude (a département of Occitanie, 76) and Île-de-France's région code.
    assert regions["11"] == "76" and regions["75"] == "11"


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
    # A PLM postcode names the arrondissement rather than the city, which has them all.
    assert {c.code_insee for c in Commune.objects.search("69003")} == {"69383"}
    # Largest first: Lyon itself, then its arrondissements, before smaller places starting with "lyon".
    found = [c.code_insee for c in Commune.objects.search("lyon", limit=4)]
    assert found[0] == "69123" and all(code.startswith("693") for code in found[1:])
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
        # Paris, Lyon and Marseille are communes of their own: by INSEE code or by name; a postcode is an
        # arrondissement's.
        ("69123", "69123"),
        ("75056", "75056"),
        ("Marseille", "13055"),
        ("Lyon (69001)", "69123"),
        ("69001", "69381"),
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
