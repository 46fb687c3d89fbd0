import csv
import io

import pytest

from sas.csv_export import FORMULA_STARTS, csv_response, csv_text, neutralise

# What a spreadsheet would run, for each character that starts a formula; then what it shows as it is.
DANGEROUS = [f'{start}HYPERLINK("http://exemple.invalid";"clic")' for start in FORMULA_STARTS]
PLAIN = ["Inès", "O'Neil", "12/03/2026", "a=b", " -espace devant", "", "Lyon 3e ; Part-Dieu", 'Dit "Sam"']


@pytest.mark.parametrize("value", DANGEROUS)
def test_a_cell_that_starts_a_formula_gets_a_leading_apostrophe(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", PLAIN)
def test_other_cells_are_left_as_they_are(value):
    assert neutralise(value) == value


def test_numbers_and_none_become_text():
    assert (neutralise(-3), neutralise(None), neutralise(7)) == ("'-3", "", "7")


def test_the_file_is_for_french_excel_and_reads_back_cell_for_cell():
    header = ["Jeune", "Commune"]
    rows = [[value, plain] for value, plain in zip(DANGEROUS, PLAIN, strict=False)]
    response = csv_response("liste.csv", header, rows)
    body = response.content
    assert body.startswith("\ufeff".encode())
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="liste.csv"'
    assert "no-store" in response["Cache-Control"]
    text = body.decode("utf-8-sig")
    assert text == csv_text(header, rows)
    read = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert read == [header] + [["'" + value, plain] for value, plain in zip(DANGEROUS, PLAIN, strict=False)]
    assert text.splitlines()[0] == "Jeune;Commune"
