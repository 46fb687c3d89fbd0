"""The CSV files a list page exports: for French Excel (UTF-8 with a byte order mark, `;` between cells), and safe
to open there: a cell that a spreadsheet would read as a formula is neutralised."""

import csv
import io

from django.http import HttpResponse

# What a spreadsheet takes as the start of a formula (tab and carriage return too, which some strip first).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """`value` as text; a leading apostrophe when it would start a formula, so that it is shown, never run."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header, rows):
    """The file's content: `header` then `rows`, every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return out.getvalue()


def csv_response(filename, header, rows):
    """A download of `header` and `rows`; never kept by a cache, since it is about people."""
    response = HttpResponse(csv_text(header, rows).encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
