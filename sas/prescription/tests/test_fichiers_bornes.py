"""Uploads are bounded before and while they are read: a body over the limit is refused from its announced length,
and an XLSX is read without trusting its <dimension>, columns and rows bounded while iterating."""

import io
import re
import zipfile

import pytest
from django.urls import reverse
from openpyxl import Workbook

from sas.organisations.factories import member
from sas.organisations.models import Role
from sas.prescription import imports
from sas.prescription.imports import MAX_COLUMNS, ImportFileError, parse_file, read_xlsx
from sas.prescription.models import ImportBatch

pytestmark = pytest.mark.django_db


def classeur(lignes, *, dimension=None, cellule_lointaine=None):
    """An .xlsx of `lignes`; its sheet XML rewritten to claim `dimension` and/or hold one far cell."""
    workbook = Workbook()
    for ligne in lignes:
        workbook.active.append(ligne)
    tampon = io.BytesIO()
    workbook.save(tampon)
    entree, sortie = zipfile.ZipFile(io.BytesIO(tampon.getvalue())), io.BytesIO()
    with zipfile.ZipFile(sortie, "w", zipfile.ZIP_DEFLATED) as zip_:
        for item in entree.infolist():
            data = entree.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode()
                if dimension:
                    xml = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>', xml)
                if cellule_lointaine:
                    rangee = re.sub(r"\D", "", cellule_lointaine)
                    cellule = f'<c r="{cellule_lointaine}" t="inlineStr"><is><t>x</t></is></c>'
                    xml = xml.replace("</sheetData>", f'<row r="{rangee}">{cellule}</row></sheetData>')
                data = xml.encode()
            zip_.writestr(item, data)
    return sortie.getvalue()


ENTETE = ["Prénom", "Téléphone", "Commune ou code INSEE"]


def test_a_sheet_claiming_the_whole_grid_is_read_as_what_it_holds():
    lignes = [ENTETE] + [[f"Jeune{i}", "0612345678", "69123"] for i in range(1000)]
    bombe = classeur(lignes, dimension="A1:XFD1048576")
    assert len(bombe) < 20_000
    [(_sheet, table)] = read_xlsx(bombe)
    assert len(table) == len(lignes)
    assert max(len(rangee) for rangee in table) <= MAX_COLUMNS
    assert [c for c in table[1] if c] == lignes[1]
    assert len(parse_file("bombe.xlsx", bombe).rows) == 1000


def test_a_far_cell_neither_widens_the_rows_nor_reads_a_million_lines(monkeypatch):
    monkeypatch.setattr(imports, "MAX_SHEET_ROWS", 5_000)
    [(_sheet, large)] = read_xlsx(classeur([ENTETE, ["Inès", "0612345678", "69123"]], cellule_lointaine="XFD2"))
    assert max(len(rangee) for rangee in large) <= MAX_COLUMNS
    bombe = classeur([ENTETE, ["Inès", "0612345678", "69123"]], dimension="A1:XFD1048576", cellule_lointaine="A1048576")
    assert len(bombe) < 10_000
    with pytest.raises(ImportFileError, match=f"plus de {imports.MAX_ROWS} lignes"):
        read_xlsx(bombe)


def test_a_body_over_the_limit_is_refused_before_it_is_read(client, ase, settings):
    settings.SAS_TAILLE_MAX_REQUETE = 1024 * 1024
    client.force_login(member(Role.PRESCRIPTEUR, ase))
    fichier = io.BytesIO("Prénom;Commune\n".encode() + b"Ines;69123\n" * 120_000)
    fichier.name = "jeunes.csv"
    response = client.post(reverse("prescription:import_upload"), {"fichier": fichier})
    assert response.status_code == 413
    assert "dépasse 1 Mo" in response.content.decode()
    assert not ImportBatch.objects.exists()
    # Under the limit the same page takes the file.
    petit = io.BytesIO("Prénom;Commune\n".encode() + b"Ines;69123\n")
    petit.name = "jeunes.csv"
    assert client.post(reverse("prescription:import_upload"), {"fichier": petit}).status_code == 302


def test_the_bombs_sent_through_the_upload_page(client, ase):
    """Through the page a prescriber uses: the whole-grid claim is read as its rows, the cell at the last row of the
    grid is refused in French (bench/xlsx_bomb.py times both), and nothing is kept of it."""
    client.force_login(member(Role.PRESCRIPTEUR, ase))
    lointaine = classeur(
        [ENTETE, ["Inès", "0612345678", "69123"]], dimension="A1:XFD1048576", cellule_lointaine="A1048576"
    )
    fichier = io.BytesIO(lointaine)
    fichier.name = "jeunes.xlsx"
    response = client.post(reverse("prescription:import_upload"), {"fichier": fichier})
    assert response.status_code == 200
    assert f"Ce fichier compte plus de {imports.MAX_ROWS} lignes" in response.content.decode()
    assert not ImportBatch.objects.exists()
    bombe = io.BytesIO(
        classeur([ENTETE] + [[f"Jeune{i}", "0612345678", "69123"] for i in range(50)], dimension="A1:XFD1048576")
    )
    bombe.name = "jeunes.xlsx"
    assert client.post(reverse("prescription:import_upload"), {"fichier": bombe}).status_code == 302
    assert ImportBatch.objects.get().total_rows == 50
