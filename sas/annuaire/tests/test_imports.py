import csv
import io
import json

import pytest
from data_inclusion.schema import v1
from django.core.management import call_command

from sas.annuaire.factories import create_catalogue, service_row, structure_row
from sas.annuaire.imports import export_dump, import_dump
from sas.annuaire.models import Service, Structure
from sas.communes.factories import CommuneFactory
from sas.organisations.factories import OrganisationFactory
from sas.organisations.models import OrganisationKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def villeurbanne():
    return CommuneFactory(code_insee="69266", nom="Villeurbanne", latitude=45.77188, longitude=4.88983)


def good_dump():
    return {
        "structures": [
            structure_row("s1", code_insee="69266", siret="13003013300016", reseaux_porteurs=["mission-locale"]),
            structure_row("s2", latitude=45.7, longitude=4.8, site_web="https://exemple.example.org"),
        ],
        "services": [
            service_row(
                "a",
                "s1",
                thematiques=["mobilite--preparer-un-permis", "logement-hebergement--louer-un-logement"],
                publics=["jeunes"],
                publics_precisions="Jeunes de 16 à 25 ans",
                frais="gratuit",
                modes_accueil=["en-presentiel"],
                zone_eligibilite=["69", "69266"],
                code_insee="69266",
                courriel="contact@ml.example.org",
            ),
            service_row("b", "s2", thematiques=["sante--sante-mentale"], modes_accueil=["a-distance"]),
        ],
    }


def test_good_rows_go_in_and_bad_rows_are_reported_with_position_and_reason(villeurbanne):
    dump = good_dump()
    dump["services"] += [
        service_row("c", "s1", thematiques=["mobilite--voler"]),
        service_row("d", "s1", date_maj="2999-01-01"),
        service_row("e", "s1", zone_eligibilite=["6"]),
        service_row("f", "inconnue"),
        service_row("a", "s1"),
        {k: v for k, v in service_row("g", "s1").items() if k != "nom"},
    ]
    dump["structures"].append(structure_row("s3", siret="123"))

    rapport = import_dump(json.dumps(dump).encode(), "annuaire.json", wet_run=True)

    assert Structure.objects.count() == 2
    assert sorted(Service.objects.values_list("identifiant", flat=True)) == ["test--a", "test--b"]
    rejets = {r.identifiant: (r.position, r.raisons) for r in rapport.rejets}
    assert rejets["test--c"] == ("services, élément 3", ["thematiques : valeur inconnue « mobilite--voler »"])
    assert rejets["test--d"][1] == [
        "Date de dernière modification : La date de dernière modification ne peut pas être dans le futur."
    ]
    assert rejets["test--e"][1] == [
        "Zone d'éligibilité : code « 6 » invalide (code commune, département, EPCI, pays ou « france »)"
    ]
    assert rejets["test--f"][1] == ["structure « test--inconnue » inconnue (ni dans le fichier ni dans l'annuaire)"]
    assert rejets["test--a"] == ("services, élément 7", ["identifiant en double dans le fichier"])
    assert rejets["test--g"][1] == ["nom : champ obligatoire manquant"]
    assert rejets["test--s3"] == ("structures, élément 3", ["Numéro SIRET : trop court (au moins 14 caractères)"])
    assert (rapport.services.crees, rapport.structures.crees) == (2, 2)


def test_imported_service_has_commune_position_zone_keys_and_ages(villeurbanne):
    create_catalogue(good_dump()["structures"], good_dump()["services"])
    service = Service.objects.get(identifiant="test--a")
    assert service.commune_cog == villeurbanne
    assert (service.position_lat, service.position_lon) == (45.77188, 4.88983)
    assert service.zone_cles == ["c:69266", "d:69"]
    assert (service.age_min_fiche, service.age_max_fiche, service.ages_fiche_seul) == (16, 25, True)
    assert (service.age_min, service.age_max) == (None, None)  # a hint, not a rule
    assert service.en_presentiel and not service.a_distance
    assert Service.objects.get(identifiant="test--b").position_lat == 45.7  # the structure's own position


def test_dry_run_reports_without_writing(villeurbanne):
    rapport = import_dump(json.dumps(good_dump()).encode(), "annuaire.json")
    assert (rapport.structures.crees, rapport.services.crees) == (2, 2)
    assert not Structure.objects.exists()
    assert "Services : 2 seraient créés" in "\n".join(rapport.lignes())


def test_round_trip_export_validates_and_reimport_changes_nothing(villeurbanne):
    create_catalogue(good_dump()["structures"], good_dump()["services"])
    before = {s.pk: s.modifie_le for s in Service.objects.all()}

    dump = export_dump()

    for row in dump["structures"]:
        v1.Structure.model_validate(row)
    for row in dump["services"]:
        v1.Service.model_validate(row)
    assert dump["services"][0]["zone_eligibilite"] == ["69", "69266"]
    assert dump["services"][0]["publics_precisions"] == "Jeunes de 16 à 25 ans"
    assert "age_min" not in dump["services"][0]
    rapport = import_dump(json.dumps(dump).encode(), "export.json", wet_run=True)
    assert (rapport.structures.inchanges, rapport.services.inchanges) == (2, 2)
    assert (rapport.services.crees, rapport.services.modifies, rapport.rejets) == (0, 0, [])
    assert {s.pk: s.modifie_le for s in Service.objects.all()} == before


def test_upsert_by_source_and_id_updates_only_what_changed(villeurbanne):
    create_catalogue(good_dump()["structures"], good_dump()["services"])
    dump = good_dump()
    dump["services"][1]["nom"] = "Écoute santé mentale"

    rapport = import_dump(json.dumps(dump).encode(), "annuaire.json", wet_run=True)

    assert (rapport.services.crees, rapport.services.modifies, rapport.services.inchanges) == (0, 1, 1)
    assert Service.objects.count() == 2
    assert Service.objects.get(identifiant="test--b").nom == "Écoute santé mentale"


def test_a_reimport_keeps_the_receiving_organisation_sas_linked(villeurbanne):
    create_catalogue(good_dump()["structures"], good_dump()["services"])
    accueil = OrganisationFactory(kind=OrganisationKind.STRUCTURE_ACCUEIL)
    Structure.objects.filter(identifiant="test--s1").update(organisation=accueil)
    dump = good_dump()
    dump["structures"][0]["nom"] = "Mission locale renommée"

    rapport = import_dump(json.dumps(dump).encode(), "annuaire.json", wet_run=True)

    assert rapport.structures.modifies == 1
    structure = Structure.objects.get(identifiant="test--s1")
    assert (structure.nom, structure.organisation) == ("Mission locale renommée", accueil)


def test_csv_dump_with_list_fields_in_the_usual_forms(villeurbanne):
    create_catalogue(good_dump()["structures"], [])
    content = (
        "source,structure_id,id,nom,description,date_maj,thematiques,publics,modes_accueil,zone_eligibilite,latitude\n"
        'test,test--s1,test--x,Atelier CV,Un atelier CV.,2025-01-02,"[""preparer-sa-candidature--valoriser-ses-'
        'competences""]",{jeunes},a-distance|en-presentiel,"69,69266",45.5\n'
        "test,test--s1,test--y,Atelier,Un atelier.,2025-01-02,inconnue,,,,pas-un-nombre\n"
    )

    rapport = import_dump(content.encode(), "services.csv", wet_run=True)

    service = Service.objects.get(identifiant="test--x")
    assert service.thematiques == ["preparer-sa-candidature--valoriser-ses-competences"]
    assert service.publics == ["jeunes"]
    assert service.modes_accueil == ["a-distance", "en-presentiel"]
    assert service.zone_eligibilite == ["69", "69266"]
    assert service.latitude == 45.5
    [rejet] = rapport.rejets
    assert rejet.position == "ligne 3"
    assert rejet.raisons == [
        "thematiques : valeur inconnue « inconnue »",
        "latitude : nombre attendu, reçu « pas-un-nombre »",
    ]


def test_unreadable_file_gives_a_french_error():
    with pytest.raises(ValueError, match="JSON illisible"):
        import_dump(b"[{", "x.json")


def test_admin_edit_is_validated_with_the_schema_and_refreshes_derived_fields(villeurbanne):
    from django.core.exceptions import ValidationError

    create_catalogue(good_dump()["structures"], good_dump()["services"])
    service = Service.objects.get(identifiant="test--b")
    service.thematiques = ["pas-une-thematique"]
    with pytest.raises(ValidationError, match="valeur inconnue"):
        service.full_clean()
    service.thematiques = ["sante--addictions"]
    service.zone_eligibilite = ["69266"]
    service.full_clean()
    service.save()
    service.refresh_from_db()
    assert service.zone_cles == ["c:69266"]
    rapport = import_dump(json.dumps(good_dump()).encode(), "annuaire.json", wet_run=True)
    assert rapport.services.modifies == 1  # the source's version comes back


def test_command_is_a_dry_run_by_default(villeurbanne, tmp_path, capsys):
    path = tmp_path / "annuaire.json"
    path.write_text(json.dumps(good_dump()), encoding="utf-8")

    call_command("importer_annuaire", str(path))
    assert not Service.objects.exists()
    call_command("importer_annuaire", str(path), "--wet-run")
    out = capsys.readouterr().out
    assert "[simulation" in out and "Services : 2 créés" in out
    assert Service.objects.count() == 2

    export = tmp_path / "export.json"
    call_command("exporter_annuaire", str(export))
    assert len(json.loads(export.read_text(encoding="utf-8"))["services"]) == 2


def services_csv(rows, delimiter=",", header=("source", "structure_id", "id", "nom", "description", "date_maj")):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def csv_service(key, description="Un atelier.", date_maj="2025-01-02"):
    return ["test", "test--s1", f"test--{key}", f"Atelier {key}", description, date_maj]


def test_a_csv_record_over_several_lines_is_reported_at_its_first_line(villeurbanne):
    create_catalogue(good_dump()["structures"], [])
    content = services_csv(
        [
            csv_service("x", description="Un atelier\nsur deux\nlignes."),  # lines 2 to 4
            csv_service("y", description="Sur rendez-vous,\nle mardi.", date_maj="pas-une-date"),  # lines 5 and 6
            [],
            csv_service("z", date_maj="2999-01-01"),  # line 8
        ]
    )
    rapport = import_dump(content, "services.csv", wet_run=True)
    assert [r.position for r in rapport.rejets] == ["ligne 5", "ligne 8"]
    assert Service.objects.get().description == "Un atelier\nsur deux\nlignes."


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_a_csv_dump_separated_by_semicolons_or_tabs_is_read(villeurbanne, delimiter):
    create_catalogue(good_dump()["structures"], [])
    header = ("source", "structure_id", "id", "nom", "description", "date_maj", "thematiques", "zone_eligibilite")
    row = [*csv_service("x", description="Atelier CV, lettre de motivation."), "sante--addictions", "69,69266"]
    rapport = import_dump(services_csv([row], delimiter, header), "services.csv", wet_run=True)
    assert (rapport.rejets, rapport.services.crees) == ([], 1)
    service = Service.objects.get()
    assert (service.description, service.zone_eligibilite) == ("Atelier CV, lettre de motivation.", ["69", "69266"])


def test_unknown_csv_columns_are_listed_as_a_warning(villeurbanne, tmp_path, capsys):
    create_catalogue(good_dump()["structures"], [])
    header = ("source", "structure_id", "id", "nom", "description", "date_maj", "horaires", "Remarque")
    content = services_csv([[*csv_service("x"), "9h-12h", "à revoir"]], header=header)
    rapport = import_dump(content, "services.csv", wet_run=True)
    assert (rapport.services.crees, rapport.rejets) == (1, [])
    assert rapport.avertissements == ["colonnes inconnues du schéma, ignorées : horaires, Remarque."]
    assert "Avertissement : colonnes inconnues du schéma, ignorées : horaires, Remarque." in list(rapport.lignes())
    assert import_dump(services_csv([csv_service("y")]), "services.csv").avertissements == []

    path = tmp_path / "services.csv"
    path.write_bytes(content)
    call_command("importer_annuaire", str(path))
    assert "services.csv, colonnes inconnues du schéma, ignorées : horaires, Remarque." in capsys.readouterr().out


def test_html_and_markdown_of_the_directory_are_stored_as_plain_text(villeurbanne):
    html = "<p>Atelier <strong>CV</strong></p><p>Le lundi<br>et le jeudi</p><script>alert('x')</script>"
    structures = [structure_row(description="<h2>Qui sommes-nous</h2><p>Une association</p>")]
    services = [service_row("a", description=html, publics_precisions="**Jeunes** de 16 à 25 ans")]
    create_catalogue(structures, services)
    service = Service.objects.get(identifiant="test--a")
    assert service.description == "Atelier CV\nLe lundi\net le jeudi"
    assert service.publics_precisions == "Jeunes de 16 à 25 ans" and service.age_min_fiche == 16
    assert Structure.objects.get().description == "Qui sommes-nous\nUne association"
    # Importing the same dump again changes nothing: the digest is the plain text's.
    rapport = create_catalogue(structures, services)
    assert (rapport.structures.inchanges, rapport.services.inchanges) == (1, 1)
    rejected = import_dump(json.dumps([service_row("b", description="<p> </p><i></i>")]).encode(), wet_run=True)
    assert rejected.rejets[0].raisons == ["description : vide une fois le HTML retiré"]


def test_suspension_of_the_older_schema_is_kept_and_follows_the_dump(villeurbanne):
    suspended = service_row("a", date_suspension="2025-05-01")
    create_catalogue([structure_row()], [suspended, service_row("b", statut="suspendu"), service_row("c")])
    dates = dict(Service.objects.values_list("identifiant", "date_suspension"))
    assert str(dates["test--a"]) == "2025-05-01" and str(dates["test--b"]) == "2025-06-01"
    assert dates["test--c"] is None

    rapport = create_catalogue([structure_row()], [service_row("a"), service_row("c", date_suspension="2025-05-02")])
    assert rapport.services.modifies == 2
    dates = dict(Service.objects.values_list("identifiant", "date_suspension"))
    assert dates["test--a"] is None and str(dates["test--c"]) == "2025-05-02"


def test_a_region_of_the_older_schema_is_its_departements(villeurbanne):
    create_catalogue([structure_row()], [service_row("a", zone_diffusion_type="region", zone_diffusion_code="11")])
    service = Service.objects.get()
    assert "d:75" in service.zone_cles and "d:11" not in service.zone_cles


def test_a_paris_service_has_its_commune(communes_reference):
    create_catalogue(
        [structure_row()],
        [service_row("a", code_insee="75056", commune="Paris", modes_accueil=["en-presentiel"])],
    )
    service = Service.objects.get()
    assert service.commune_cog.nom == "Paris"
    assert (service.position_lat, service.position_lon) == (service.commune_cog.latitude, service.commune_cog.longitude)
