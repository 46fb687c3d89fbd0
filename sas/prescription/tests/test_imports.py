import csv
import datetime
import functools
import io
import re
import zipfile

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import Workbook, load_workbook

from sas.browser_testing import launch, needs_browser, serious_violations
from sas.communes.models import Commune, Departement, Epci, Region
from sas.communes.services import read_communes, read_departements, read_epci, read_regions
from sas.jeunes.models import Consent, Jeune
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role, Territory
from sas.parcours.models import EventKind, Parcours, Signalement, SignalementSource
from sas.prescription import import_transitions, imports, tasks
from sas.prescription.imports import (
    COLUMNS,
    CommuneIndex,
    ImportFileError,
    create_batch,
    parse_bool,
    parse_date,
    parse_file,
    run_import,
)
from sas.prescription.models import DoublonPossible, ImportBatch, ImportBatchEvent, ImportStatus
from sas.prescription.services import SignalementData, signaler, signaler_many

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
HEADER = [column.label for column in COLUMNS]


@functools.cache
def reference():
    """The real INSEE reference, Rhône (covered by the test territory) and Ain (not covered) only."""
    departements = [d for d in read_departements() if d.code in {"01", "69"}]
    return departements, [c for c in read_communes() if c.departement_id in {"01", "69"}]


@pytest.fixture
def territory():
    departements, communes = reference()
    Region.objects.bulk_create(read_regions())
    Epci.objects.bulk_create(read_epci())
    Departement.objects.bulk_create(departements)
    Commune.objects.bulk_create(communes)
    territory = Territory.objects.create(nom="Rhône")
    territory.communes.add(*Commune.objects.filter(departement_id="69"))
    OrganisationFactory(territory=territory, kind=OrganisationKind.EQUIPE_SAS, nom="Équipe SAS Rhône")
    return territory


def birth(years=19, days=0):
    return timezone.localdate() - datetime.timedelta(days=years * 365 + 30 + days)


def row(**values):
    """One file row in template column order, as text."""
    base = {
        "prenom": "Inès",
        "nom": "Benali",
        "date_naissance": birth().strftime("%d/%m/%Y"),
        "telephone": "06 12 34 56 78",
        "code_postal": "69100",
        "commune": "Villeurbanne",
        "motif": "Fin de contrat jeune majeur, « logement » à trouver",
        "jeune_accord": "oui",
    }
    values = {**base, **values}
    return [values.get(column.key, "") for column in COLUMNS]


def csv_bytes(rows, header=HEADER, delimiter=";", encoding="utf-8-sig"):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def import_file(org, user, content, filename="signalements.csv"):
    batch = create_batch(organisation=org, user=user, filename=filename, content=content)
    return run_import(batch)


# --- Reading files -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_every_encoding_and_separator_imports_the_same_young_person(ase, prescripteur, encoding, delimiter):
    content = csv_bytes(
        [row(), row(prenom="Zoé", nom="Lefèvre", telephone="07 45 12 34 56")], HEADER, delimiter, encoding
    )
    batch = import_file(ase, prescripteur, content)
    assert (batch.status, batch.created_count, batch.errors) == (ImportStatus.TERMINE, 2, [])
    ines = Jeune.objects.get(prenom="Inès")
    assert (ines.nom, ines.telephone, ines.commune.nom, ines.date_naissance) == (
        "Benali",
        "+33612345678",
        "Villeurbanne",
        birth(),
    )
    signalement = Signalement.objects.get(parcours__jeune=ines)
    assert signalement.motif == "Fin de contrat jeune majeur, « logement » à trouver"
    assert (signalement.source, signalement.organisation, signalement.created_by) == (
        SignalementSource.FICHIER,
        ase,
        prescripteur,
    )
    assert len(signalement.cle_import) == 64
    assert Jeune.objects.filter(nom="Lefèvre").exists()
    assert Consent.objects.count() == 2


def test_an_excel_file_with_date_and_number_cells(ase, prescripteur):
    values = row(date_naissance=datetime.datetime.combine(birth(), datetime.time()), telephone=612345678)
    values[HEADER.index("Code postal")] = 69100
    values[HEADER.index("Fin d'accompagnement")] = datetime.date(2024, 6, 30)
    batch = import_file(ase, prescripteur, xlsx_bytes([values]), "signalements.xlsx")
    assert (batch.created_count, batch.errors) == (1, [])
    signalement = Signalement.objects.select_related("parcours__jeune").get()
    assert signalement.parcours.jeune.date_naissance == birth()
    assert signalement.parcours.jeune.telephone == "+33612345678"
    assert signalement.fin_accompagnement_le == datetime.date(2024, 6, 30)


def test_the_templates_are_read_back(ase, prescripteur):
    assert imports.template_csv().startswith(b"\xef\xbb\xbfPr\xc3\xa9nom;Nom;Date de naissance;")
    workbook = load_workbook(io.BytesIO(imports.template_xlsx()))
    sheet = workbook["Signalements"]
    sheet.append(row(telephone="0612345678"))
    out = io.BytesIO()
    workbook.save(out)
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == HEADER
    assert "Aide" in workbook.sheetnames
    assert import_file(ase, prescripteur, out.getvalue(), "modele.xlsx").created_count == 1
    with_row = imports.template_csv() + csv_bytes([row()], header=None, encoding="utf-8")
    assert parse_file("modele.csv", with_row).rows[0]["values"]["prenom"] == "Inès"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/12/2007", datetime.date(2007, 12, 31)),
        ("31-12-2007", datetime.date(2007, 12, 31)),
        ("31.12.2007", datetime.date(2007, 12, 31)),
        ("2007-12-31", datetime.date(2007, 12, 31)),
        ("1/2/2007", datetime.date(2007, 2, 1)),
        ("31/12/2007 00:00:00", datetime.date(2007, 12, 31)),
    ],
)
def test_french_date_formats(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2007", "12/31/2007", "demain", "31/12/07"])
def test_unreadable_dates_say_how_to_write_them(text):
    with pytest.raises(ValueError, match="JJ/MM/AAAA"):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"), [("oui", True), ("O", True), ("x", True), ("1", True), ("Vrai", True), ("NON", False)]
)
def test_yes_no_answers(text, expected):
    assert parse_bool(text) is expected


def test_header_synonyms_case_and_accents():
    header = ["PRENOM", "nom de famille", "Né(e) le", "Tél", "E-mail", "CP", "Ville", "Accord", "Remarques"]
    content = csv_bytes(
        [["Inès", "Benali", "31/12/2007", "0612345678", "a@b.fr", "69100", "Villeurbanne", "x", "?"]], header
    )
    table = parse_file("f.csv", content)
    assert table.rows == [
        {
            "line": 2,
            "values": {
                "prenom": "Inès",
                "nom": "Benali",
                "date_naissance": "31/12/2007",
                "telephone": "0612345678",
                "email": "a@b.fr",
                "code_postal": "69100",
                "commune": "Villeurbanne",
                "jeune_accord": "x",
            },
        }
    ]
    assert table.ignored_columns == ["Remarques"]


def test_blank_lines_are_skipped_but_lines_keep_their_number_in_the_file():
    content = csv_bytes([row(), ["", ""], [], row(prenom="Zoé")])
    assert [r["line"] for r in parse_file("f.csv", content).rows] == [2, 5]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "vide"),
        (b"nom;commune\nBenali;69266\n", "Prénom"),
        ("prénom;téléphone\nInès;0639981234\n".encode(), "Commune"),
        ("prénom;commune\n".encode(), "aucune ligne"),
        (b"\x00\x01\x02binary", "pas un tableur"),
        (b"PK\x03\x04broken zip", "illisible"),
    ],
)
def test_unreadable_files_get_a_french_error(content, message):
    with pytest.raises(ImportFileError, match=message):
        parse_file("f.csv", content)


# --- Files as offices make them --------------------------------------------------------------------------------


def workbook_bytes(sheets):
    """An .xlsx file of {sheet name: rows}, in that order."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for values in rows:
            sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("encoding", "delimiter"), [("utf-16", "\t"), ("utf-16", ";"), ("utf-16-be", "\t"), ("utf-16-le", "\t")]
)
def test_unicode_text_as_saved_by_excel_is_read(ase, prescripteur, encoding, delimiter):
    content = csv_bytes([row(), row(prenom="Zoé", nom="Lefèvre", telephone="0745123456")], HEADER, delimiter, encoding)
    if encoding == "utf-16-be":  # with its BOM, as the utf-16 codec writes it for little-endian
        content = "\ufeff".encode("utf-16-be") + content
    assert content.startswith((b"\xff\xfe", b"\xfe\xff")) or encoding == "utf-16-le"
    batch = import_file(ase, prescripteur, content, "signalements.txt")
    assert (batch.created_count, batch.errors, batch.warnings) == (2, [], [])
    assert Jeune.objects.get(prenom="Zoé").nom == "Lefèvre"


def test_control_characters_are_removed_and_reported_by_cell(ase, prescripteur):
    rows = [
        row(prenom="In\x00ès", motif="Fin de contrat\x0b jeune majeur"),
        row(prenom="Zoé", telephone="0745123456"),
        row(prenom="Léa\x1b", telephone="0745123457"),
    ]
    batch = import_file(ase, prescripteur, csv_bytes(rows))
    assert (batch.created_count, batch.errors) == (3, [])
    reason = "Caractères invisibles ou illisibles retirés."
    assert batch.warnings == [
        {"line": 2, "field": "Prénom", "reason": reason},
        {"line": 2, "field": "Motif", "reason": reason},
        {"line": 4, "field": "Prénom", "reason": reason},
    ]
    assert Signalement.objects.get(parcours__jeune__prenom="Inès").motif == "Fin de contrat jeune majeur"
    assert Jeune.objects.filter(prenom="Léa").exists()


def test_bytes_undefined_in_windows_1252_are_cleaned_not_refused(ase, prescripteur):
    content = csv_bytes([row(nom="Lefèvre", motif="Sortie de foyer")], encoding="cp1252")
    content = content.replace(b"Sortie", b"Sor\x81tie")
    batch = import_file(ase, prescripteur, content)
    assert batch.created_count == 1
    assert batch.warnings == [{"line": 2, "field": "Motif", "reason": "Caractères invisibles ou illisibles retirés."}]
    assert Jeune.objects.get().nom == "Lefèvre"
    assert Signalement.objects.get().motif == "Sortie de foyer"


def test_cleaned_cells_beyond_a_hundred_are_counted_in_one_line(monkeypatch):
    monkeypatch.setattr(imports, "MAX_CELL_WARNINGS", 2)
    table = parse_file("f.csv", csv_bytes([row(prenom=f"P\x00{i}") for i in range(5)]))
    assert [w["line"] for w in table.warnings] == [2, 3, None]
    assert table.warnings[-1]["reason"] == "Caractères invisibles ou illisibles retirés aussi dans 3 autres cellules."


def excel_serial(date, epoch=datetime.date(1899, 12, 30)):
    return (date - epoch).days


def test_excel_serial_dates_are_dates(ase, prescripteur):
    end = timezone.localdate() + datetime.timedelta(days=20)
    values = row(date_naissance=excel_serial(birth()))  # a number in a date column of a sheet
    values[HEADER.index("Fin d'accompagnement")] = str(excel_serial(end))  # the same, stored as text
    batch = import_file(ase, prescripteur, xlsx_bytes([values]), "signalements.xlsx")
    assert (batch.created_count, batch.errors) == (1, [])
    signalement = Signalement.objects.select_related("parcours__jeune").get()
    assert (signalement.parcours.jeune.date_naissance, signalement.fin_accompagnement_le) == (birth(), end)
    # A CSV saved from such a sheet carries the number.
    assert parse_date(str(excel_serial(birth()))) == birth()
    assert parse_date(f"{excel_serial(birth())},5") == birth()


def test_a_workbook_dated_from_1904_and_date_cells_are_read_as_dates():
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    workbook = Workbook()
    workbook.epoch = CALENDAR_MAC_1904
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(row(date_naissance=excel_serial(birth(), datetime.date(1904, 1, 1))))
    sheet.append(row(prenom="Zoé", date_naissance=birth(years=20)))
    sheet.cell(row=3, column=HEADER.index("Date de naissance") + 1).number_format = "DD/MM/YYYY"
    out = io.BytesIO()
    workbook.save(out)
    rows = parse_file("f.xlsx", out.getvalue()).rows
    assert [parse_date(r["values"]["date_naissance"]) for r in rows] == [birth(), birth(years=20)]


def test_phone_numbers_stored_as_numbers_get_their_leading_zero(ase, prescripteur):
    values = row(telephone=612345678)
    table = parse_file("f.xlsx", xlsx_bytes([values, row(prenom="Zoé", telephone=33745123456)]))
    assert [r["values"]["telephone"] for r in table.rows] == ["0612345678", "33745123456"]
    assert parse_file("f.csv", csv_bytes([row(telephone="612345678")])).rows[0]["values"]["telephone"] == "0612345678"
    batch = import_file(ase, prescripteur, xlsx_bytes([values]), "f.xlsx")
    assert (batch.created_count, Jeune.objects.get().telephone) == (1, "+33612345678")


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_title_rows_above_the_header_are_skipped(ase, prescripteur, extension):
    rows = [["Jeunes sortants : liste du 1er mars"], [], HEADER, row(), row(prenom="Zoé", telephone="0745123456")]
    csv_content = csv_bytes(rows, header=None, delimiter=",")
    content = csv_content if extension == "csv" else workbook_bytes({"Liste": rows})
    batch = create_batch(organisation=ase, user=prescripteur, filename=f"f.{extension}", content=content)
    assert [r["line"] for r in batch.rows] == [4, 5]
    assert batch.warnings == [
        {"line": None, "field": "", "reason": "Noms de colonnes trouvés ligne 3 : les lignes 1 à 2 au-dessus, laissées "
                                              "de côté."}
    ]  # fmt: skip
    assert run_import(batch).created_count == 2


def test_the_sheet_with_the_header_is_read(ase, prescripteur):
    content = workbook_bytes({"Notes": [["À rappeler lundi"], ["Voir avec la cheffe"]], "Jeunes": [HEADER, row()]})
    batch = create_batch(organisation=ase, user=prescripteur, filename="f.xlsx", content=content)
    assert (batch.sheet, batch.other_sheets, batch.total_rows) == ("Jeunes", {}, 1)
    assert run_import(batch).created_count == 1


def test_the_sheets_dimension_is_not_trusted():
    """Some software writes a wrong <dimension>: the rows and columns are read, within bounds, as they come."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([row(), row(prenom="Zoé")])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(rb'<dimension ref="[^"]+"\s*/>', b'<dimension ref="A1"/>', data)
                assert count == 1
            target.writestr(item, data)
    assert [r["values"]["prenom"] for r in parse_file("f.xlsx", out.getvalue()).rows] == ["Inès", "Zoé"]


def test_a_sheet_longer_than_allowed_is_refused_not_cut(monkeypatch):
    monkeypatch.setattr(imports, "MAX_SHEET_ROWS", 3)
    parse_file("f.xlsx", xlsx_bytes([row(), row(prenom="Zoé")]))
    with pytest.raises(ImportFileError, match="plus de"):
        parse_file("f.xlsx", xlsx_bytes([row(), row(prenom="Zoé"), [], row(prenom="Léa")]))


def two_sheets():
    return workbook_bytes(
        {
            "Mars": [HEADER, row(), row(prenom="Zoé", telephone="0745123456")],
            "Avril": [["Sorties d'avril"], [*HEADER, "Remarques"], row(prenom="Léa", telephone="0745123457", motif="")],
        }
    )


def test_when_several_sheets_name_the_columns_the_preview_asks_which(client, ase, prescripteur):
    client.force_login(prescripteur)
    upload(client, two_sheets(), "f.xlsx")
    batch = ImportBatch.objects.get()
    assert (batch.sheet, list(batch.other_sheets), batch.total_rows) == ("Mars", ["Avril"], 2)
    html = client.get(reverse("prescription:import_detail", args=[batch.pk])).content.decode()
    assert "C'est la feuille « Mars » qui est lue." in html and '<option value="Avril">Avril</option>' in html

    response = client.post(reverse("prescription:import_sheet", args=[batch.pk]), {"feuille": "Avril"})
    assert response.url == reverse("prescription:import_detail", args=[batch.pk])
    batch.refresh_from_db()
    assert (batch.sheet, list(batch.other_sheets), batch.total_rows) == ("Avril", ["Mars"], 1)
    assert [r["line"] for r in batch.rows] == [3]
    assert [w["reason"] for w in batch.warnings] == [
        "Noms de colonnes trouvés ligne 2 : la ligne 1 au-dessus, laissée de côté.",
        "Colonnes non reconnues, laissées de côté : Remarques.",
    ]
    html = client.get(reverse("prescription:import_detail", args=[batch.pk])).content.decode()
    assert "Léa" in html and "Zoé" not in html and "Colonnes non reconnues, laissées de côté : Remarques." in html

    client.post(reverse("prescription:import_start", args=[batch.pk]))
    batch.refresh_from_db()
    assert list(Jeune.objects.values_list("prenom", flat=True)) == ["Léa"]
    assert (batch.status, batch.other_sheets) == (ImportStatus.TERMINE, {})  # the sheets not chosen are gone
    response = client.post(reverse("prescription:import_sheet", args=[batch.pk]), {"feuille": "Mars"}, follow=True)
    assert "Cette feuille ne peut plus être choisie" in response.content.decode()
    assert Jeune.objects.count() == 1


def test_a_sheet_can_only_be_chosen_by_the_batchs_organisation(client, ase, prescripteur, territory):
    batch = create_batch(organisation=ase, user=prescripteur, filename="f.xlsx", content=two_sheets())
    url = reverse("prescription:import_sheet", args=[batch.pk])
    assert client.post(url, {"feuille": "Avril"}).url.startswith(reverse("login"))
    for other in [OrganisationFactory(territory=territory), OrganisationFactory(territory=TerritoryFactory())]:
        client.force_login(member(Role.PRESCRIPTEUR, other))
        assert client.post(url, {"feuille": "Avril"}).status_code == 404
    client.force_login(member(Role.AIGUILLEUR, territory=territory))
    assert client.post(url, {"feuille": "Avril"}).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(prescripteur)
    assert strict.post(url, {"feuille": "Avril"}).status_code == 403
    client.force_login(prescripteur)
    assert client.get(url).status_code == 405
    batch.refresh_from_db()
    assert batch.sheet == "Mars"


def test_a_duplicated_column_is_reported_as_such():
    header = [*HEADER, "Téléphone", "Tel"]
    table = parse_file("f.csv", csv_bytes([[*row(), "0745123456", "0745123457"]], header))
    assert table.rows[0]["values"]["telephone"] == "06 12 34 56 78"  # the first one
    assert table.ignored_columns == []
    assert [w["reason"] for w in table.warnings] == [
        "Colonne « Téléphone » en double : seule la première est lue.",
        "Colonne « Tel » en double : seule la première est lue.",
    ]


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"


def zip_bytes(*names):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("jeunes.csv", PDF),
        ("jeunes.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("jeunes.csv", bytes(range(256)) * 20),
        ("jeunes.xlsx", zip_bytes("[Content_Types].xml", "word/document.xml")),  # a Word document is a zip too
    ],
)
def test_a_file_that_is_not_a_spreadsheet_is_refused_as_such(filename, content):
    with pytest.raises(ImportFileError, match="Ce fichier n'est pas un tableur"):
        parse_file(filename, content)


@pytest.mark.parametrize(
    ("filename", "content"),
    [("jeunes.xlsx", zip_bytes("mimetype", "content.xml")), ("jeunes.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")],
)
def test_other_spreadsheet_formats_are_asked_again_as_xlsx_or_csv(filename, content):
    with pytest.raises(ImportFileError, match="Enregistrez ce fichier au format .xlsx ou .csv"):
        parse_file(filename, content)


def test_an_unknown_commune_name_is_an_error_of_its_row_even_with_a_single_commune_postcode(ase, prescripteur):
    batch = import_file(ase, prescripteur, csv_bytes([row(commune="Atlantide"), row(prenom="Zoé", commune="")]))
    assert batch.created_count == 1  # Zoé: the postcode alone names Villeurbanne
    assert batch.errors == [
        {
            "line": 2,
            "field": "Commune ou code INSEE",
            "reason": "« Atlantide » ne correspond à aucune commune du code postal 69100 (Villeurbanne).",
        }
    ]


# --- Communes ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "postcode", "insee"),
    [
        ("69266", "", "69266"),  # INSEE code
        ("Villeurbanne", "69100", "69266"),
        ("VILLEURBANNE", "69100", "69266"),
        ("St Priest", "69800", "69290"),  # abbreviation
        ("VILLEURBANNE CEDEX", "69100", "69266"),  # a business address
        ("", "69100", "69266"),  # the only commune with that postcode
        ("69800", "", "69290"),  # a postcode in the commune column
        ("Charly", "69390", "69046"),  # one of several with that postcode
        ("Lyon", "69001", "69381"),  # arrondissement
        ("Bourg-en-Bresse", "1000", "01053"),  # a spreadsheet dropped the leading zero
    ],
)
def test_communes_by_code_postcode_and_name(territory, name, postcode, insee):
    assert CommuneIndex().resolve(name, postcode).pk == insee


@pytest.mark.parametrize(
    ("name", "postcode", "message"),
    [
        ("", "69390", "couvre plusieurs communes"),
        ("Atlantide", "69390", "ne correspond à aucune commune"),
        ("Atlantide", "69100", "ne correspond à aucune commune du code postal 69100 \\(Villeurbanne\\)"),
        ("Atlantide", "69999", "Aucune commune"),
        ("", "", "La commune est obligatoire"),
        ("Saint-Priest", "", "Ajoutez le code postal de « Saint-Priest »"),
    ],
)
def test_commune_errors(territory, name, postcode, message):
    with pytest.raises(ValueError, match=message):
        CommuneIndex().resolve(name, postcode)


def test_commune_lookups_are_made_once_per_distinct_value(territory, django_assert_num_queries):
    index = CommuneIndex()
    with django_assert_num_queries(2):
        for _ in range(50):
            commune = index.resolve("Villeurbanne", "69100")
            index.is_covered(commune)


# --- Import report -------------------------------------------------------------------------------------------


def test_each_bad_row_is_reported_by_line_column_and_reason(ase, prescripteur):
    rows = [
        row(),
        row(prenom="", telephone="0620000001"),
        row(date_naissance="31/02/2007", telephone="0620000002"),
        row(telephone="06 39"),
        row(code_postal="01000", commune="Bourg-en-Bresse", telephone="0620000003"),
        row(date_naissance=birth(years=40).strftime("%d/%m/%Y"), telephone="0620000004"),
        row(telephone="", jeune_accord="peut-être"),
        row(email="pas-un-courriel", telephone="0620000005"),
        row(),  # same as line 2
    ]
    batch = create_batch(organisation=ase, user=prescripteur, filename="f.csv", content=csv_bytes(rows))
    expected = [
        (3, "Prénom", "Le prénom est obligatoire."),
        (4, "Date de naissance", "Date illisible : « 31/02/2007 ». Écrivez-la JJ/MM/AAAA, par exemple 31/12/2007."),
        (5, "Téléphone", "Numéro de téléphone invalide."),
        (6, "Commune ou code INSEE", "Bourg-en-Bresse n'est pas encore couverte par une équipe SAS."),
        (7, "Date de naissance", "SAS accompagne les jeunes de 15 à 29 ans : cette date de naissance donne 40 ans."),
        (8, "Accord du jeune", "Réponse illisible : « peut-être ». Écrivez oui ou non."),
        (8, "Téléphone", "Indiquez au moins un moyen de joindre le jeune : téléphone, courriel, adresse postale "
                         "ou « joignable par votre intermédiaire »."),
        (9, "Courriel", "Adresse électronique invalide : « pas-un-courriel »."),
        (10, "", "Ligne identique à la ligne 2 : elle n'est importée qu'une fois."),
    ]  # fmt: skip
    expected = [{"line": line, "field": field, "reason": reason} for line, field, reason in expected]
    assert batch.errors == expected  # found in the preview, before anything is written
    assert not Jeune.objects.exists()
    run_import(batch)
    assert batch.errors == expected
    assert (batch.created_count, batch.already_imported_count) == (1, 0)
    assert (batch.status, batch.processed_rows) == (ImportStatus.TERMINE, 9)
    # Only the rejected rows are kept (for their download), never the imported one.
    assert [r["line"] for r in batch.rows] == sorted({e["line"] for e in expected})


def test_a_known_young_person_is_attached_and_the_same_file_twice_creates_nothing(ase, prescripteur, territory):
    villeurbanne = Commune.objects.get(pk="69266")
    known = SignalementData(prenom="Inès", commune=villeurbanne, telephone="+33612345678", date_naissance=birth())
    signaler(known, source=SignalementSource.PRESCRIPTEUR)
    content = csv_bytes([row(), row(prenom="Zoé", telephone="0745123456")])
    first = import_file(ase, prescripteur, content)
    # The report says the same whether the person was known: two signalements recorded.
    assert (first.created_count, first.already_imported_count) == (2, 0)
    assert Jeune.objects.count() == 2  # same phone and birth date: Inès, attached
    assert Jeune.objects.get(prenom="Inès").nom == "Benali"  # filled in, since it was unknown
    second = import_file(ase, prescripteur, content)
    assert (second.created_count, second.already_imported_count) == (0, 2)
    assert Signalement.objects.filter(source=SignalementSource.FICHIER).count() == 2
    # Another organisation signalling the same people is a new signalement, attached to them.
    other = OrganisationFactory(territory=territory, kind=OrganisationKind.SPIP)
    third = import_file(other, member(Role.PRESCRIPTEUR, other), content)
    assert (third.created_count, third.already_imported_count) == (2, 0)
    assert (Jeune.objects.count(), Parcours.objects.count()) == (2, 2)


def test_a_row_sharing_only_a_phone_with_someone_known_is_a_possible_duplicate(ase, prescripteur):
    villeurbanne = Commune.objects.get(pk="69266")
    known = SignalementData(prenom="Inès", commune=villeurbanne, telephone="+33612345678", tranche_age="18-21")
    existing = signaler(known, source=SignalementSource.PRESCRIPTEUR).signalement.parcours
    batch = import_file(ase, prescripteur, csv_bytes([row()]))  # same phone, nothing else to compare
    assert (batch.created_count, batch.errors) == (1, [])
    doublon = DoublonPossible.objects.get()
    assert (doublon.existant, doublon.identifiants, doublon.decision) == (existing, ["telephone"], "")
    assert doublon.nouveau.jeune.nom == "Benali" and doublon.nouveau.signalements.get().organisation == ase
    existing.jeune.refresh_from_db()
    assert (existing.jeune.nom, existing.jeune.date_naissance) == ("", None)  # unchanged
    assert existing.signalements.count() == 1


def test_the_same_rows_written_differently_are_already_imported(ase, prescripteur):
    import_file(ase, prescripteur, csv_bytes([row()]))
    again = row(prenom="INES", telephone="+33 6 12 34 56 78", date_naissance=birth().isoformat(), jeune_accord="x")
    batch = import_file(ase, prescripteur, csv_bytes([again], delimiter=","))
    assert (batch.created_count, batch.already_imported_count) == (0, 1)


def test_a_validation_error_from_signaler_becomes_a_row_error(ase, prescripteur, monkeypatch):
    # The preview found nothing wrong, but the rules (or the day) changed before the worker ran.
    batch = create_batch(organisation=ase, user=prescripteur, filename="f.csv", content=csv_bytes([row()]))
    monkeypatch.setattr("sas.prescription.services.validate", lambda data, **kwargs: {"prenom": "Refusé."})
    run_import(batch)
    assert batch.errors == [{"line": 2, "field": "Prénom", "reason": "Refusé."}]
    assert (batch.created_count, Jeune.objects.count()) == (0, 0)


def test_the_same_young_person_twice_in_one_file_is_one_person_with_one_journey(ase, prescripteur):
    rows = [
        row(prenom="Inès", telephone="0612345678", motif="Fin de contrat jeune majeur"),
        row(prenom="Inès", telephone="+33 6 12 34 56 78", motif="Sortie de foyer"),  # same phone
        row(prenom="Zoé", telephone="0745123456", email="Zoe@Example.org"),
        row(prenom="Zoé", telephone="", email="zoe@example.org", motif="Autre"),  # same email, another case
        row(prenom="Léa", nom="Roux", telephone="0745123457"),
        row(prenom="LÉA", nom="roux", telephone="0745123458"),  # same names, birth date and commune
    ]
    batch = import_file(ase, prescripteur, csv_bytes(rows))
    assert (batch.created_count, batch.errors) == (6, [])
    assert Jeune.objects.count() == 3 and Signalement.objects.count() == 6
    for jeune in Jeune.objects.all():
        parcours = jeune.parcours.get()
        assert parcours.signalements.count() == 2
        assert list(parcours.events.values_list("kind", flat=True)) == [EventKind.TRANSITION, EventKind.SIGNALEMENT]
    assert Consent.objects.count() == 6


@pytest.fixture
def deux_lignes(ase, prescripteur):
    """A file of two young people, Inès and Zoé, sent and not yet imported."""
    return create_batch(
        organisation=ase,
        user=prescripteur,
        filename="f.csv",
        content=csv_bytes([row(), row(prenom="Zoé", telephone="0745123456")]),
    )


def test_a_row_imported_meanwhile_by_another_run_is_already_imported(deux_lignes, monkeypatch):
    batch = deux_lignes

    def concurrent_run_first(rows, **kwargs):
        # Another worker imports line 2 between the check of existing rows and the writing of the chunk.
        signaler(rows[0][0], cle_import=rows[0][1], **kwargs)
        return signaler_many(rows, **kwargs)

    monkeypatch.setattr(imports, "signaler_many", concurrent_run_first)
    run_import(batch)
    assert (batch.created_count, batch.already_imported_count, batch.errors) == (1, 1, [])
    assert Signalement.objects.count() == 2 and Jeune.objects.count() == 2


def test_a_row_that_cannot_be_written_is_reported_and_the_others_go_in(deux_lignes, monkeypatch):
    batch = deux_lignes

    def failing(*args, **kwargs):
        raise DatabaseError("disk full")

    def signaler_but_zoe(data, **kwargs):
        return failing() if data.prenom == "Zoé" else signaler(data, **kwargs)

    monkeypatch.setattr(imports, "signaler_many", failing)
    monkeypatch.setattr(imports, "signaler", signaler_but_zoe)
    run_import(batch)
    reason = "Enregistrement impossible : transmettez ce fichier au support."
    assert (batch.created_count, batch.errors) == (1, [{"line": 3, "field": "", "reason": reason}])
    assert Jeune.objects.get().prenom == "Inès"


def sample_rows(count, bad_every=20):
    """`count` rows of distinct young people across the Rhône, one in `bad_every` bad in one of several ways,
    and the last good one turned into a copy of line 2. Returns the rows and {line: column label} of the bad ones."""
    communes = list(Commune.objects.filter(departement_id="69").order_by("pk"))
    date_formats = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]
    rows, bad = [], {}
    for i in range(count):
        commune = communes[i % len(communes)]
        place = (
            {"code_postal": "", "commune": commune.pk}
            if i % 3 == 0
            else {"code_postal": commune.codes_postaux.split()[0], "commune": commune.nom}
        )
        values = row(
            prenom=f"Prénom{i}",
            nom=f"Nom{i}",
            date_naissance=birth(years=16, days=i % 1000).strftime(date_formats[i % 4]),
            telephone=f"061{i:07d}",
            **place,
        )
        line = i + 2
        if i % bad_every == bad_every - 1:
            kind = (i // bad_every) % 4
            column = ["Date de naissance", "Commune ou code INSEE", "Téléphone", "Prénom"][kind]
            values[HEADER.index(column)] = ["32/01/2007", "Atlantide", "06 39", ""][kind]
            if kind == 1:
                values[HEADER.index("Code postal")] = "69999"
            bad[line] = column
        rows.append(values)
    duplicate = max(i for i in range(count) if i + 2 not in bad)
    rows[duplicate] = list(rows[0])
    bad[duplicate + 2] = ""
    return rows, bad


def test_a_large_file_imports_the_good_rows_and_reports_every_bad_one(ase, prescripteur):
    count = 2000  # bench/prescription_import.py runs 10,000 rows on PostgreSQL
    rows, bad = sample_rows(count)
    content = csv_bytes(rows)
    batch = create_batch(organisation=ase, user=prescripteur, filename="gros.csv", content=content)
    assert {e["line"]: e["field"] for e in batch.errors} == bad
    run_import(batch, chunk_size=300)
    assert {e["line"]: e["field"] for e in batch.errors} == bad
    assert len(batch.errors) == len(bad) == count // 20 + 1
    assert batch.created_count == count - len(bad) == Signalement.objects.count()
    assert (batch.processed_rows, batch.already_imported_count) == (count, 0)

    again = import_file(ase, prescripteur, content)
    assert (again.created_count, again.already_imported_count) == (0, count - len(bad))
    assert {e["line"]: e["field"] for e in again.errors} == bad
    assert Signalement.objects.count() == count - len(bad)


def worker_killed_at_second_chunk(monkeypatch):
    """The import's second chunk dies as a killed worker would; the others go through."""
    calls = []

    def failing_signaler_many(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return signaler_many(*args, **kwargs)

    monkeypatch.setattr(imports, "signaler_many", failing_signaler_many)


def interrupted_import(ase, prescripteur, monkeypatch, count):
    """A file of `count` young people whose import, by chunks of 2, dies with its worker at the second chunk."""
    rows = [row(prenom=f"P{i}", telephone=f"061{i:07d}") for i in range(count)]
    batch = create_batch(organisation=ase, user=prescripteur, filename="f.csv", content=csv_bytes(rows))
    worker_killed_at_second_chunk(monkeypatch)
    with pytest.raises(RuntimeError):
        run_import(batch, chunk_size=2)
    return batch


def test_an_interrupted_import_resumes_where_it_stopped(ase, prescripteur, monkeypatch):
    batch = interrupted_import(ase, prescripteur, monkeypatch, 5)
    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows, batch.created_count) == (ImportStatus.ECHEC, 2, 2)
    assert Signalement.objects.count() == 2  # the interrupted chunk was rolled back as a whole
    run_import(batch, chunk_size=2)
    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows, batch.created_count) == (ImportStatus.TERMINE, 5, 5)


# --- Pages ---------------------------------------------------------------------------------------------------


def upload(client, content, filename="signalements.csv", **data):
    return client.post(reverse("prescription:import_upload"), {"fichier": _file(content, filename), **data})


def _file(content, filename):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(filename, content)


def test_upload_preview_then_import_a_small_file(client, ase, prescripteur):
    client.force_login(prescripteur)
    header = [*HEADER, "Remarques"]
    response = upload(client, csv_bytes([row() + ["RAS"], row(prenom="", telephone="0745123456") + [""]], header))
    batch = ImportBatch.objects.get()
    assert response.url == reverse("prescription:import_detail", args=[batch.pk])
    html = client.get(response.url).content.decode()
    assert "Colonnes non reconnues, laissées de côté : Remarques." in html
    assert "1 ligne à corriger" in html and "Le prénom est obligatoire." in html
    assert "Inès Benali" in html and "+33612345678" in html and "Villeurbanne" in html
    assert "data-suivi-import" not in html
    assert not Jeune.objects.exists()

    response = client.post(reverse("prescription:import_start", args=[batch.pk]))
    assert response.url == reverse("prescription:import_detail", args=[batch.pk])
    html = client.get(response.url).content.decode()
    assert "<strong>1</strong> signalement enregistré" in html
    assert "<td>3</td><td>Prénom</td><td>Le prénom est obligatoire.</td>" in html
    assert Jeune.objects.get().prenom == "Inès"
    # A second click imports nothing more.
    client.post(reverse("prescription:import_start", args=[batch.pk]))
    assert Signalement.objects.count() == 1


def test_an_unreadable_file_stays_on_the_form_with_the_reason(client, prescripteur):
    client.force_login(prescripteur)
    response = upload(client, b"nom;commune\nBenali;69266\n")
    assert response.status_code == 200
    assert "La colonne « Prénom » est introuvable" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_member_of_several_organisations_chooses_one(client, ase, prescripteur, territory):
    other = OrganisationFactory(territory=territory, kind=OrganisationKind.SPIP, nom="SPIP du Rhône")
    prescripteur.memberships.create(organisation=other, role=Role.PRESCRIPTEUR)
    foreign = OrganisationFactory(territory=territory, nom="Pas la mienne")
    client.force_login(prescripteur)
    assert "SPIP du Rhône" in client.get(reverse("prescription:import_upload")).content.decode()
    response = upload(client, csv_bytes([row()]))
    assert response.status_code == 200 and "Ce champ est obligatoire." in response.content.decode()
    response = upload(client, csv_bytes([row()]), organisation=foreign.pk)
    assert response.status_code == 200 and not ImportBatch.objects.exists()
    upload(client, csv_bytes([row()]), organisation=other.pk)
    assert ImportBatch.objects.get().organisation == other


@override_settings(TASKS=IMMEDIATE)
def test_a_large_file_goes_through_the_task(client, ase, prescripteur):
    client.force_login(prescripteur)
    rows, _ = sample_rows(250, bad_every=50)
    upload(client, csv_bytes(rows))
    batch = ImportBatch.objects.get()
    client.post(reverse("prescription:import_start", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows, batch.created_count) == (ImportStatus.TERMINE, 250, 244)


# The worker closes database connections between tasks, as in production: no test transaction around it.
@pytest.mark.django_db(transaction=True)
def test_the_worker_imports_a_queued_file_and_the_page_refreshes_meanwhile(client, ase, prescripteur):
    client.force_login(prescripteur)
    rows, _ = sample_rows(201, bad_every=1000)
    upload(client, csv_bytes(rows))
    batch = ImportBatch.objects.get()
    client.post(reverse("prescription:import_start", args=[batch.pk]))
    assert DBTaskResult.objects.get().args_kwargs["args"] == [batch.pk]
    html = client.get(reverse("prescription:import_detail", args=[batch.pk])).content.decode()
    assert 'data-suivi-import="en_cours"' in html
    assert "Import en cours : 0 ligne traitée sur 201 (0 %)" in html
    call_command("db_worker", batch=True, no_startup_delay=True, reload=False, verbosity=0)
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, len(batch.errors)) == (ImportStatus.TERMINE, 200, 1)
    html = client.get(reverse("prescription:import_detail", args=[batch.pk])).content.decode()
    assert "data-suivi-import" not in html and "<strong>200</strong> signalements enregistrés" in html


def test_templates_download(client, prescripteur):
    client.force_login(prescripteur)
    response = client.get(reverse("prescription:import_template", args=["csv"]))
    assert response["Content-Disposition"] == 'attachment; filename="modele-signalements.csv"'
    assert response.content.decode("utf-8-sig").splitlines() == [";".join(HEADER)]
    response = client.get(reverse("prescription:import_template", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == HEADER
    assert client.get(reverse("prescription:import_template", args=["pdf"])).status_code == 404


def test_another_organisation_cannot_see_or_start_an_import(client, ase, prescripteur, territory):
    batch = create_batch(organisation=ase, user=prescripteur, filename="f.csv", content=csv_bytes([row()]))
    client.force_login(member(Role.PRESCRIPTEUR, OrganisationFactory(territory=territory)))
    assert client.get(reverse("prescription:import_detail", args=[batch.pk])).status_code == 404
    assert client.post(reverse("prescription:import_start", args=[batch.pk])).status_code == 404
    assert "f.csv" not in client.get(reverse("prescription:import_upload")).content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APERCU


@pytest.mark.parametrize("role", [Role.AIGUILLEUR, Role.PILOTE, Role.STRUCTURE])
def test_other_roles_are_refused(client, ase, prescripteur, territory, role):
    batch = create_batch(organisation=ase, user=prescripteur, filename="f.csv", content=csv_bytes([row()]))
    client.force_login(member(role, territory=territory))
    for url in [
        reverse("prescription:import_upload"),
        reverse("prescription:import_template", args=["csv"]),
        reverse("prescription:import_detail", args=[batch.pk]),
    ]:
        assert client.get(url).status_code == 403
    assert upload(client, csv_bytes([row()])).status_code == 403
    assert ImportBatch.objects.count() == 1


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("prescription:import_upload"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_csrf_is_checked(ase, prescripteur):
    client = Client(enforce_csrf_checks=True)
    client.force_login(prescripteur)
    batch = create_batch(organisation=ase, user=prescripteur, filename="f.csv", content=csv_bytes([row()]))
    assert client.post(reverse("prescription:import_start", args=[batch.pk])).status_code == 403
    assert upload(client, csv_bytes([row()])).status_code == 403
    assert not Jeune.objects.exists()


def test_the_list_of_sent_files_has_a_fixed_number_of_queries(client, ase, prescripteur, count_queries):
    client.force_login(prescripteur)
    url = reverse("prescription:import_upload")
    create_batch(organisation=ase, user=prescripteur, filename="a.csv", content=csv_bytes([row()]))
    few = count_queries(url)
    for name in "bcdefgh":
        create_batch(organisation=ase, user=prescripteur, filename=f"{name}.csv", content=csv_bytes([row()]))
    assert count_queries(url) == few
    assert "h.csv" in client.get(url).content.decode()


@needs_browser
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_prescriber_imports_a_file_in_a_narrow_browser(log_in, live_server, ase, prescripteur, tmp_path):
    from playwright.sync_api import sync_playwright

    path = tmp_path / "signalements.csv"
    path.write_bytes(csv_bytes([row(), row(prenom="", telephone="0745123456")]))
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(locale="fr-FR", viewport={"width": 320, "height": 800})
        log_in(page, prescripteur)
        page.goto(live_server.url + reverse("prescription:import_upload"))
        assert serious_violations(page) == []
        page.get_by_label("Fichier à importer").set_input_files(str(path))
        page.get_by_role("button", name="Voir l'aperçu").click()
        page.get_by_role("heading", name="1 ligne à corriger").wait_for(timeout=5000)
        assert serious_violations(page) == []
        page.get_by_role("button", name="Importer").click()
        page.get_by_role("heading", name="Compte rendu").wait_for(timeout=5000)
        assert serious_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        browser.close()
    assert Jeune.objects.get().prenom == "Inès"


@needs_browser
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_prescriber_chooses_the_sheet_in_the_preview(log_in, live_server, ase, prescripteur, tmp_path):
    from playwright.sync_api import sync_playwright

    path = tmp_path / "signalements.xlsx"
    path.write_bytes(two_sheets())
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(locale="fr-FR", viewport={"width": 320, "height": 800})
        log_in(page, prescripteur)
        page.goto(live_server.url + reverse("prescription:import_upload"))
        page.get_by_label("Fichier à importer").set_input_files(str(path))
        page.get_by_role("button", name="Voir l'aperçu").click()
        page.get_by_role("heading", name="Plusieurs feuilles de ce fichier ont des noms de colonnes").wait_for()
        assert serious_violations(page) == []
        page.get_by_label("Feuille à lire").select_option("Avril")
        page.get_by_role("button", name="Lire cette feuille").click()
        page.get_by_text("C'est la feuille « Avril » qui est lue.").wait_for(timeout=5000)
        assert serious_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        page.get_by_role("button", name="Importer").click()
        page.get_by_role("heading", name="Compte rendu").wait_for(timeout=5000)
        browser.close()
    assert list(Jeune.objects.values_list("prenom", flat=True)) == ["Léa"]


# --- Status: one transition function, one event per move -------------------------------------------------


def history(batch):
    return [(e.from_status, e.to_status) for e in batch.events.all()]


def test_a_batch_is_previewed_then_imported_then_done_with_one_event_each(client, ase, prescripteur):
    client.force_login(prescripteur)
    response = upload(client, csv_bytes([row()]))
    assert response.status_code == 302
    [batch] = ase.imports.all()
    assert history(batch) == [("", ImportStatus.APERCU)]
    assert batch.events.get().actor == prescripteur

    client.post(reverse("prescription:import_start", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.TERMINE and batch.finished_at is not None and batch.rows == []
    assert history(batch) == [
        ("", ImportStatus.APERCU),
        (ImportStatus.APERCU, ImportStatus.EN_COURS),
        (ImportStatus.EN_COURS, ImportStatus.TERMINE),
    ]
    assert batch.events.last().occurred_at == batch.finished_at

    # A second click starts nothing and writes nothing.
    assert tasks.start_import(batch) is False
    assert batch.events.count() == 3


def test_a_failed_import_is_recorded_then_resumed(ase, prescripteur, monkeypatch):
    batch = interrupted_import(ase, prescripteur, monkeypatch, 4)
    assert tasks.start_import(batch) is True
    batch.refresh_from_db()
    assert history(batch) == [
        ("", ImportStatus.APERCU),
        (ImportStatus.APERCU, ImportStatus.EN_COURS),
        (ImportStatus.EN_COURS, ImportStatus.ECHEC),
        (ImportStatus.ECHEC, ImportStatus.EN_COURS),
        (ImportStatus.EN_COURS, ImportStatus.TERMINE),
    ]


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (ImportStatus.APERCU, ImportStatus.TERMINE),
        (ImportStatus.APERCU, ImportStatus.ECHEC),
        (ImportStatus.TERMINE, ImportStatus.EN_COURS),
        (ImportStatus.ECHEC, ImportStatus.TERMINE),
        (ImportStatus.EN_COURS, ImportStatus.APERCU),
    ],
)
def test_forbidden_moves_are_refused_and_write_nothing(ase, prescripteur, start, to):
    batch = create_batch(organisation=ase, user=prescripteur, filename="f.csv", content=csv_bytes([row()]))
    path = {
        ImportStatus.APERCU: [],
        ImportStatus.EN_COURS: [ImportStatus.EN_COURS],
        ImportStatus.ECHEC: [ImportStatus.EN_COURS, ImportStatus.ECHEC],
        ImportStatus.TERMINE: [ImportStatus.EN_COURS, ImportStatus.TERMINE],
    }
    for status in path[start]:
        import_transitions.transition(batch, status)
    events = ImportBatchEvent.objects.count()
    with pytest.raises(import_transitions.TransitionError, match="impossible de le passer"):
        import_transitions.transition(batch, to)
    batch.refresh_from_db()
    assert batch.status == start and ImportBatchEvent.objects.count() == events


def test_the_events_are_append_only(ase, prescripteur):
    batch = create_batch(organisation=ase, user=prescripteur, filename="f.csv", content=csv_bytes([row()]))
    event = batch.events.get()
    with pytest.raises(ValueError, match="ne se modifie pas"):
        event.save()
    with pytest.raises(ValueError, match="ne se supprime pas"):
        event.delete()


def rejected_csv(client, batch):
    response = client.get(reverse("prescription:import_rejets", args=[batch.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_the_rejected_lines_download_with_their_reasons_and_cells_before_and_after_the_import(
    client, ase, prescripteur
):
    good = row(prenom="Inès")
    late = row(prenom="Zoé", date_naissance="32/01/2007", telephone="0612345679", motif='=HYPERLINK("x")')
    nowhere = row(prenom="Léo", commune="Atlantide", code_postal="69100", telephone="0612345680", motif="-1")
    client.force_login(prescripteur)
    upload(client, csv_bytes([good, late, nowhere, good]))
    batch = ImportBatch.objects.get()

    html = client.get(reverse("prescription:import_detail", args=[batch.pk])).content.decode()
    assert reverse("prescription:import_rejets", args=[batch.pk]) in html
    before = rejected_csv(client, batch)
    assert before[0] == ["Ligne", "Motif du rejet", *HEADER]
    assert [line[0] for line in before[1:]] == ["3", "4", "5"]
    assert before[1][1].startswith("Date de naissance : Date illisible : « 32/01/2007 »")
    assert before[2][1].startswith("Commune ou code INSEE : « Atlantide » ne correspond à aucune commune")
    assert before[3][1] == "Ligne identique à la ligne 2 : elle n'est importée qu'une fois."
    # The cells as read in the file, what a spreadsheet would run as a formula shown as text.
    motif = HEADER.index("Motif") + 2
    assert before[1][2:motif] + before[1][motif + 1 :] == late[: motif - 2] + late[motif - 1 :]
    assert (before[1][motif], before[2][motif]) == ('\'=HYPERLINK("x")', "'-1")
    assert before[3][2:] == good

    client.post(reverse("prescription:import_start", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.status, batch.created_count) == (ImportStatus.TERMINE, 1)
    # Only the rejected rows are kept, for this download: the imported one lives in its record.
    assert [r["line"] for r in batch.rows] == [3, 4, 5]
    assert rejected_csv(client, batch) == before
    html = client.get(reverse("prescription:import_detail", args=[batch.pk])).content.decode()
    assert "Télécharger les lignes non importées" in html


def test_a_file_without_rejected_lines_downloads_its_header_only(client, ase, prescripteur):
    client.force_login(prescripteur)
    upload(client, csv_bytes([row()]))
    batch = ImportBatch.objects.get()
    assert (
        "Télécharger les lignes"
        not in client.get(reverse("prescription:import_detail", args=[batch.pk])).content.decode()
    )
    assert rejected_csv(client, batch) == [["Ligne", "Motif du rejet"]]


def test_nobody_else_downloads_the_rejected_lines(client, ase, prescripteur, territory):
    batch = create_batch(
        organisation=ase, user=prescripteur, filename="f.csv", content=csv_bytes([row(prenom="Zoé", telephone="")])
    )
    url = reverse("prescription:import_rejets", args=[batch.pk])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    for other in [
        member(Role.PRESCRIPTEUR, OrganisationFactory(territory=territory)),
        member(Role.PRESCRIPTEUR, OrganisationFactory(territory=TerritoryFactory(nom="Gironde"))),
    ]:
        client.force_login(other)
        response = client.get(url)
        assert response.status_code == 404 and "Zoé" not in response.content.decode()
    client.force_login(member(Role.AIGUILLEUR, territory=territory))
    assert client.get(url).status_code == 403


def test_the_communes_of_a_file_are_looked_up_in_the_same_number_of_queries_whatever_their_number(ase, prescripteur):
    communes = list(Commune.objects.filter(departement_id="69", parent__isnull=True).order_by("pk")[:30])

    def rows(count):
        # Every other row names its commune by INSEE code, the others by name and postcode.
        return [
            row(commune=c.pk, code_postal="", telephone=f"06200{i:05d}")
            if i % 2
            else row(commune=c.nom, code_postal=c.codes_postaux.split()[0], telephone=f"06200{i:05d}")
            for i, c in enumerate(communes[:count])
        ]

    counts = []
    for count in (2, 30):
        with CaptureQueriesContext(connection) as queries:
            batch = create_batch(organisation=ase, user=prescripteur, filename="f.csv", content=csv_bytes(rows(count)))
        assert (batch.total_rows, batch.errors) == (count, [])
        counts.append(len(queries))
    assert counts[0] == counts[1]
