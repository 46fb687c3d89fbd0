"""Signalements sent as a batch file (CSV or Excel): template, tolerant reading, preview and import.

The file is read once at upload into ImportBatch.rows (raw text by column); `check_row` turns one row into
SignalementData or errors, the same way for the preview and for the import, and `run_import` sends the good
rows through `signaler_many()` by chunks, so that a worker can run it and the page can show progress.
"""

import csv
import dataclasses
import datetime
import hashlib
import io
import logging
import re
import zipfile
from functools import cached_property

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.utils import timezone

from sas.communes.models import Commune, normalise
from sas.jeunes.models import Jeune, TrancheAge
from sas.organisations.models import Territory
from sas.parcours.models import Canal, Signalement, SignalementSource

from . import import_transitions
from .models import ImportBatch, ImportStatus
from .services import SignalementData, normalise_phone, signaler, signaler_many, validate

logger = logging.getLogger(__name__)

MAX_FILE_SIZE = 20 * 1024 * 1024
MAX_ROWS = 50_000
# An XLSX row is never read past this column, nor a sheet past this row (blank lines included), whatever the file's
# <dimension> claims: a 1.5 KB file may announce 16,384 columns and a million rows.
MAX_COLUMNS = 100
CHUNK_SIZE = 500
PREVIEW_ROWS = 10


@dataclasses.dataclass(frozen=True)
class Column:
    key: str
    label: str
    synonyms: tuple = ()


COLUMNS = [
    Column("prenom", "Prénom", ("prenoms", "first name", "firstname")),
    Column("nom", "Nom", ("nom de famille", "nom usage", "nom d usage", "last name", "lastname")),
    Column(
        "date_naissance", "Date de naissance", ("date naissance", "naissance", "ne(e) le", "ne le", "nee le", "ddn")
    ),
    Column("tranche_age", "Tranche d'âge", ("tranche", "age", "tranche age")),
    Column("telephone", "Téléphone", ("tel", "tel portable", "portable", "mobile", "numero", "numero de telephone")),
    Column(
        "email",
        "Courriel",
        ("mail", "e-mail", "email", "adresse mail", "adresse electronique", "courrier electronique"),
    ),
    Column("adresse", "Adresse", ("adresse postale",)),
    Column(
        "joignable_via_prescripteur",
        "Joignable via prescripteur",
        ("joignable par le prescripteur", "via prescripteur"),
    ),
    Column("code_postal", "Code postal", ("cp",)),
    Column("commune", "Commune ou code INSEE", ("commune", "ville", "code insee", "insee", "code commune")),
    Column(
        "fin_accompagnement_le",
        "Fin d'accompagnement",
        ("date de fin", "fin de l accompagnement", "date fin accompagnement", "fin de prise en charge"),
    ),
    Column("motif", "Motif", ("motif de fin", "motif de fin d accompagnement")),
    Column("deja_essaye", "Déjà tenté", ("deja essaye", "ce qui a deja ete tente")),
    Column("freins_connus", "Freins connus", ("freins",)),
    Column("canal_prefere", "Canal préféré", ("canal", "moyen de contact prefere")),
    Column("langues", "Langues", ("langues parlees", "langue")),
    Column("jeune_informe", "Jeune informé", ("informe", "jeune informe du signalement")),
    Column("jeune_accord", "Accord du jeune", ("accord", "consentement", "accord du jeune pour etre recontacte")),
]
LABELS = {column.key: column.label for column in COLUMNS}
TEXT_FIELDS = ["nom", "adresse", "motif", "deja_essaye", "freins_connus", "langues"]
MAX_LENGTHS = {
    "prenom": Jeune._meta.get_field("prenom").max_length,
    "nom": Jeune._meta.get_field("nom").max_length,
    "email": Jeune._meta.get_field("email").max_length,
    "langues": Signalement._meta.get_field("langues").max_length,
}
TRUE = {"oui", "o", "x", "1", "vrai", "yes", "y", "true"}
FALSE = {"non", "n", "0", "faux", "no", "false"}
CANALS = {
    **{normalise(label): value for value, label in Canal.choices},
    **{value: value for value in Canal.values},
    "texto": Canal.SMS,
    "telephone": Canal.APPEL,
    "tel": Canal.APPEL,
    "mail": Canal.EMAIL,
    "e mail": Canal.EMAIL,
    "courriel": Canal.EMAIL,
    "lettre": Canal.COURRIER,
    "courrier postal": Canal.COURRIER,
    "via prescripteur": Canal.PRESCRIPTEUR,
}
DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]
EXCEL_SERIAL = re.compile(r"^\d{5}([.,]\d+)?$")  # 10000 to 99999: from 1927 to 2173
EXCEL_EPOCH = datetime.date(1899, 12, 30)
INSEE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


def header_key(text):
    """'Né(e) le', 'NE(E) LE' and 'ne(e) le ' all give 'neele': how columns are matched."""
    return re.sub(r"[^a-z0-9]", "", normalise(str(text or "")))


HEADERS = {}
for _column in COLUMNS:
    for _name in (_column.key, _column.label, *_column.synonyms):
        HEADERS.setdefault(header_key(_name), _column.key)


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is for the prescriber."""


# --- Template ------------------------------------------------------------------------------------------------

TEMPLATE_HELP = [
    ("Prénom", "Obligatoire."),
    ("Nom", "Facultatif mais utile pour reconnaître un jeune déjà signalé."),
    ("Date de naissance", "JJ/MM/AAAA (par exemple 31/12/2007). À défaut, remplissez la tranche d'âge."),
    ("Tranche d'âge", "15-17, 18-21, 22-25 ou 26-29, si la date de naissance est inconnue."),
    ("Téléphone", "Un moyen de contact au moins : téléphone, courriel, adresse ou « joignable via prescripteur »."),
    ("Courriel", ""),
    ("Adresse", ""),
    ("Joignable via prescripteur", "oui ou non : le jeune se joint par votre intermédiaire."),
    ("Code postal", "Code postal, ou laissez vide si vous donnez le code INSEE."),
    ("Commune ou code INSEE", "Le nom de la commune (avec le code postal) ou son code INSEE."),
    ("Fin d'accompagnement", "JJ/MM/AAAA : date de fin de l'accompagnement actuel, passée ou à venir."),
    ("Motif", "Motif de fin d'accompagnement."),
    ("Déjà tenté", "Ce qui a déjà été tenté."),
    ("Freins connus", ""),
    ("Canal préféré", "SMS, appel, courriel, courrier ou prescripteur."),
    ("Langues", "Langues parlées."),
    ("Jeune informé", "oui ou non : le jeune sait qu'il est signalé."),
    ("Accord du jeune", "oui ou non : le jeune est d'accord pour être recontacté par l'équipe SAS."),
]


def template_csv():
    """Header row, ';'-separated, UTF-8 with BOM so that Excel opens it with accents."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerow([column.label for column in COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def template_xlsx():
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Signalements"
    sheet.append([column.label for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        # Text cells: Excel would otherwise drop the leading 0 of phones and postcodes.
        sheet.column_dimensions[cell.column_letter].width = max(14, len(cell.value) + 2)
        for row in range(2, 1002):
            sheet.cell(row=row, column=cell.column).number_format = "@"
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet("Aide")
    help_sheet.append(["Colonne", "Comment la remplir"])
    for row in TEMPLATE_HELP:
        help_sheet.append(list(row))
    help_sheet.column_dimensions["A"].width = 28
    help_sheet.column_dimensions["B"].width = 100
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- Reading the file ----------------------------------------------------------------------------------------

NOT_A_SPREADSHEET = "Ce fichier n'est pas un tableur : envoyez un fichier .csv ou .xlsx."
RESAVE = "Enregistrez ce fichier au format .xlsx ou .csv, puis envoyez-le à nouveau."
# Formats that are not a table, known by their first bytes (a PDF or a picture renamed .csv, a Word document…).
MAGIC_BYTES = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"\x1f\x8b",
    b"{\\rtf",
    b"Rar!",
    b"7z\xbc\xaf",
    b"\x7fELF",
)
OLE2 = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 (.xls) and Word 97-2003 files
# C0 and C1 control characters but tab and line breaks, and the surrogates left by undecodable bytes.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\udc80-\udcff]")
HEADER_SEARCH_ROWS = 20  # title rows above the column names are skipped within these
MAX_COLUMNS = 100
# Physical rows read from a sheet: the data rows plus blank rows; beyond that the file is refused, not cut.
MAX_SHEET_ROWS = 2 * MAX_ROWS + HEADER_SEARCH_ROWS
MAX_CELL_WARNINGS = 100
DATE_KEYS = {"date_naissance", "fin_accompagnement_le"}


def _looks_binary(content):
    """A text file has few control bytes: one NUL or a stray control character is cleaned, a binary is refused."""
    sample = content[:8192]
    controls = sum(1 for byte in sample if byte < 32 and byte not in b"\t\n\r")
    return controls > len(sample) // 10


def _utf16_without_bom(sample):
    """'utf-16-le' or 'utf-16-be' if every other byte is NUL, as in UTF-16 text without its BOM."""
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def decode(content):
    """Text of a CSV file: UTF-16 (Excel's "Texte Unicode"), UTF-8 (with or without BOM), else Windows-1252 as
    saved by Excel in France. Bytes Windows-1252 leaves undefined become surrogates, cleaned with the controls."""
    bom = content.startswith((b"\xff\xfe", b"\xfe\xff"))
    encoding = "utf-16" if bom else _utf16_without_bom(content[:4096])
    if encoding:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError as error:
            raise ImportFileError("Ce fichier texte Unicode est abîmé : enregistrez-le à nouveau.") from error
    if _looks_binary(content):
        raise ImportFileError(NOT_A_SPREADSHEET)
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="surrogateescape")


def read_csv(content):
    text = decode(content)
    head = text.split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS]
    delimiters = [";", ",", "\t"]
    # The separator that makes a header appear in the first lines (title rows may have none), else the most
    # frequent one on the first line.
    delimiter = next(
        (d for d in delimiters if find_header(list(csv.reader(head, delimiter=d)))),
        max(delimiters, key=head[0].count),
    )
    return [("", list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)))]


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _date_cell(value, epoch):
    """A number in a date column is an Excel serial date (days since the workbook's epoch)."""
    from openpyxl.utils.datetime import from_excel

    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return from_excel(value, epoch).date().isoformat()
        except (ValueError, OverflowError):
            pass
    return _cell_text(value)


def _sheet_rows(sheet, epoch, names, keys):
    """Every row of a sheet as text, columns bounded by the header's (`names`), rows by MAX_SHEET_ROWS: the sheet's
    declared dimension is not trusted."""
    width = max(i for i, name in enumerate(names) if name.strip()) + 1
    dates = {i for i, key in enumerate(keys) if key in DATE_KEYS}
    rows = []
    for values in sheet.iter_rows(max_row=MAX_SHEET_ROWS + 1, max_col=width, values_only=True):
        rows.append([_date_cell(v, epoch) if i in dates else _cell_text(v) for i, v in enumerate(values)])
    if len(rows) > MAX_SHEET_ROWS:
        raise ImportFileError(f"Ce fichier compte plus de {MAX_ROWS} lignes ; envoyez-en {MAX_ROWS} au plus.")
    return rows


def read_xlsx(content):
    """[(sheet name, rows)] of the sheets whose first rows name the columns, or the first sheet if none does."""
    from openpyxl import load_workbook

    names = _zip_names(content)
    if "content.xml" in names and "mimetype" in names:  # OpenDocument (LibreOffice)
        raise ImportFileError(RESAVE)
    if "xl/workbook.xml" not in names:
        raise ImportFileError(NOT_A_SPREADSHEET)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds (zip, XML, key errors) for a damaged file
        raise ImportFileError("Ce fichier Excel est illisible. Enregistrez-le à nouveau au format .xlsx.") from error
    try:
        heads, found = [], []
        for sheet in workbook.worksheets:
            # Read-only mode would pad every row to the declared <dimension>: forget it, bound while iterating.
            sheet.reset_dimensions()
            head = [
                [_cell_text(v) for v in values]
                for values in sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, max_col=MAX_COLUMNS, values_only=True)
            ]
            heads.append((sheet.title, head))
            if header := find_header(head):
                index, keys, _ = header
                found.append((sheet, head[index], keys))
        if not found:
            return heads[:1] or [("", [])]  # the first sheet says why it cannot be read
        return [(sheet.title, _sheet_rows(sheet, workbook.epoch, names, keys)) for sheet, names, keys in found]
    except ImportFileError:
        raise
    except Exception as error:  # a damaged sheet shows only while it is read
        raise ImportFileError("Ce fichier Excel est illisible. Enregistrez-le à nouveau au format .xlsx.") from error
    finally:
        workbook.close()


def _zip_names(content):
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return set(archive.namelist())
    except zipfile.BadZipFile as error:
        raise ImportFileError("Ce fichier Excel est illisible. Enregistrez-le à nouveau au format .xlsx.") from error


def read_table(filename, content):
    """[(sheet name, rows of cells as text)] of a CSV (one sheet without a name) or XLSX file."""
    if len(content) > MAX_FILE_SIZE:
        raise ImportFileError(f"Ce fichier dépasse {MAX_FILE_SIZE // (1024 * 1024)} Mo : découpez-le en plusieurs.")
    if content.startswith(b"PK\x03\x04"):
        if filename.lower().endswith(".ods"):
            raise ImportFileError(RESAVE)
        return read_xlsx(content)
    if filename.lower().endswith((".xls", ".ods")) or content.startswith(OLE2):
        raise ImportFileError(RESAVE)
    if content.startswith(MAGIC_BYTES):
        raise ImportFileError(NOT_A_SPREADSHEET)
    return read_csv(content)


def find_header(rows):
    """(index, column keys, duplicated column names) of the first row naming the Prénom column and the commune or
    postcode column, or None."""
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys, duplicates = [], []
        for cell in cells:
            key = HEADERS.get(header_key(CONTROL.sub("", cell)))
            if key is not None and key in keys:
                duplicates.append(cell.strip())
                key = None
            keys.append(key)
        if "prenom" in keys and ("commune" in keys or "code_postal" in keys):
            return index, keys, duplicates
    return None


@dataclasses.dataclass
class Table:
    rows: list  # [{"line": n, "values": {key: text}}], blank lines left out
    ignored_columns: list
    warnings: list = dataclasses.field(default_factory=list)  # [{"line": n or None, "field": …, "reason": …}]
    sheet: str = ""
    other_sheets: dict = dataclasses.field(default_factory=dict)  # {name: {"rows": …, "warnings": …}}


def _header_error(rows):
    """Why no header was found in the first rows of a sheet."""
    if not any(cell.strip() for cells in rows[:HEADER_SEARCH_ROWS] for cell in cells):
        return ImportFileError("Le fichier est vide ou ses premières lignes ne contiennent pas les noms de colonnes.")
    if any("prenom" in (HEADERS.get(header_key(c)) for c in cells) for cells in rows[:HEADER_SEARCH_ROWS]):
        return ImportFileError("Il manque une colonne « Commune ou code INSEE » ou « Code postal ».")
    return ImportFileError(
        f"La colonne « Prénom » est introuvable dans les {HEADER_SEARCH_ROWS} premières lignes du fichier. "
        "Partez du modèle à télécharger sur cette page."
    )


def _restore_phone(text):
    """What a spreadsheet did to a phone number stored as a number: its leading 0 (French numbers)."""
    if len(text) == 9 and text.isdigit() and text[0] != "0":
        return f"0{text}"
    return text


def parse_sheet(sheet):
    """Table of the rows of one sheet (lists of cells), with their line number (its first row is line 1)."""
    header = find_header(sheet)
    if header is None:
        raise _header_error(sheet)
    start, keys, duplicates = header
    warnings, ignored, cleaned = [], [], []
    if start:
        lines = "la ligne 1" if start == 1 else f"les lignes 1 à {start}"
        warnings.append(_error(None, "", f"Noms de colonnes trouvés ligne {start + 1} : {lines} au-dessus, laissée"
                                         f"{'s' if start > 1 else ''} de côté."))  # fmt: skip
    warnings.extend(
        _error(None, name, f"Colonne « {name} » en double : seule la première est lue.") for name in duplicates
    )
    for cell, key in zip(sheet[start], keys, strict=False):
        if key is None and cell.strip() and cell.strip() not in duplicates:
            ignored.append(CONTROL.sub("", cell).strip())
    if ignored:
        warnings.append(_error(None, "", "Colonnes non reconnues, laissées de côté : " + ", ".join(ignored) + "."))
    rows = []
    for number, cells in enumerate(sheet[start + 1 :], start=start + 2):
        if CONTROL.search("\t".join(cells)):  # one search a row: most rows have nothing to clean
            raw, cells = cells, [CONTROL.sub("", cell) for cell in cells]
            dirty = [key for key, before, after in zip(keys, raw, cells, strict=False) if key and before != after]
            cleaned.extend(_error(number, LABELS[key], "Caractères invisibles ou illisibles retirés.") for key in dirty)
        values = {key: text for key, cell in zip(keys, cells, strict=False) if key and (text := cell.strip())}
        if "telephone" in values:
            values["telephone"] = _restore_phone(values["telephone"])
        if values:
            rows.append({"line": number, "values": values})
    if not rows:
        raise ImportFileError("Le fichier ne contient aucune ligne sous les noms de colonnes.")
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"Ce fichier compte {len(rows)} lignes ; envoyez-en {MAX_ROWS} au plus par fichier.")
    warnings.extend(cleaned[:MAX_CELL_WARNINGS])
    if len(cleaned) > MAX_CELL_WARNINGS:
        more = len(cleaned) - MAX_CELL_WARNINGS
        warnings.append(
            _error(None, "", f"Caractères invisibles ou illisibles retirés aussi dans {more} autres cellules.")
        )
    return Table(rows=rows, ignored_columns=ignored, warnings=warnings)


def parse_file(filename, content):
    """The rows of the file's sheet that names the columns; if several do, the first, the others kept aside for
    the prescriber to choose in the preview."""
    tables, errors = {}, []
    for name, rows in read_table(filename, content):
        try:
            tables[name] = parse_sheet(rows)
        except ImportFileError as error:
            errors.append(error)
    if not tables:
        raise errors[0]
    (name, table), *others = tables.items()
    table.sheet = name
    table.other_sheets = {n: {"rows": t.rows, "warnings": t.warnings} for n, t in others}
    return table


# --- One row -------------------------------------------------------------------------------------------------


def parse_date(text):
    text = text.strip().split(" ")[0].split("T")[0]
    if EXCEL_SERIAL.match(text):
        # A date cell exported as its number: days since 30/12/1899 in Excel (1900 date system).
        return EXCEL_EPOCH + datetime.timedelta(days=int(text.replace(",", ".").split(".")[0]))
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    raise ValueError(f"Date illisible : « {text} ». Écrivez-la JJ/MM/AAAA, par exemple 31/12/2007.")


def parse_bool(text):
    word = normalise(text)
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise ValueError(f"Réponse illisible : « {text} ». Écrivez oui ou non.")


def parse_tranche(text):
    """'18-21', '18 à 21 ans', or an age ('17') that falls in a bracket."""
    bounds = [int(n) for n in re.findall(r"\d+", text)]
    for value in TrancheAge.values:
        low, high = (int(n) for n in value.split("-"))
        if bounds == [low, high] or (len(bounds) == 1 and low <= bounds[0] <= high):
            return value
    raise ValueError(f"Tranche d'âge inconnue : « {text} ». Écrivez 15-17, 18-21, 22-25 ou 26-29.")


def parse_canal(text):
    try:
        return CANALS[normalise(text)]
    except KeyError:
        raise ValueError(
            f"Canal inconnu : « {text} ». Écrivez SMS, appel, courriel, courrier ou prescripteur."
        ) from None


def parse_email(text):
    try:
        validate_email(text)
    except ValidationError:
        raise ValueError(f"Adresse électronique invalide : « {text} ».") from None
    return text


def _name_key(text):
    """Commune names as typed: 'St Priest' is 'Saint-Priest', 'Villeurbanne Cedex' is Villeurbanne."""
    words = normalise(text).split()
    return " ".join({"st": "saint", "ste": "sainte"}.get(word, word) for word in words if word != "cedex")


class CommuneIndex:
    """Commune lookups and territory coverage, each asked once per distinct value during an import."""

    def __init__(self):
        self._by_code, self._by_postcode, self._covered = {}, {}, {}

    def by_code(self, code):
        if code not in self._by_code:
            self._by_code[code] = Commune.objects.filter(pk=code.upper()).first()
        return self._by_code[code]

    def by_postcode(self, postcode):
        if postcode not in self._by_postcode:
            candidates = Commune.objects.filter(codes_postaux__contains=postcode).order_by("nom")
            found = [c for c in candidates if postcode in c.codes_postaux.split()]
            # A postcode of Paris, Lyon or Marseille names an arrondissement, more precise than its commune.
            parents = {c.parent_id for c in found if c.parent_id}
            self._by_postcode[postcode] = [c for c in found if c.pk not in parents]
        return self._by_postcode[postcode]

    def is_covered(self, commune):
        if commune.pk not in self._covered:
            self._covered[commune.pk] = Territory.objects.filter(communes=commune).exists()
        return self._covered[commune.pk]

    def resolve(self, name, postcode):
        """The commune meant by a name or INSEE code and a postcode; ValueError (French) otherwise."""
        if len(postcode) == 4 and postcode.isdigit():
            postcode = f"0{postcode}"  # a spreadsheet dropped the leading zero
        if INSEE_CODE.match(name.upper()) or (len(name) == 4 and name.isdigit()):
            commune = self.by_code(name.zfill(5))
            if commune is not None:
                return commune
            if not postcode and name.isdigit():
                postcode, name = name.zfill(5), ""  # a postcode written in the commune column
        if not postcode:
            if not name:
                raise ValueError("La commune est obligatoire : donnez son code INSEE, ou son nom et son code postal.")
            raise ValueError(f"Ajoutez le code postal de « {name} », ou donnez le code INSEE de la commune.")
        candidates = self.by_postcode(postcode)
        if not candidates:
            raise ValueError(f"Aucune commune n'a le code postal « {postcode} ».")
        if name:
            wanted = _name_key(name)
            for commune in candidates:
                if wanted == _name_key(commune.nom) or f"|{wanted}" in commune.anciens_noms:
                    return commune
            starting = [c for c in candidates if _name_key(c.nom).startswith(wanted)]
            if len(starting) == 1:
                return starting[0]
        # A single commune with that postcode stands for an empty name only: a name that is not it is an error.
        if len(candidates) == 1 and not name:
            return candidates[0]
        names = ", ".join(c.nom for c in candidates[:5]) + (", …" if len(candidates) > 5 else "")
        if name:
            raise ValueError(f"« {name} » ne correspond à aucune commune du code postal {postcode} ({names}).")
        raise ValueError(f"Le code postal {postcode} couvre plusieurs communes ({names}) : précisez laquelle.")


@dataclasses.dataclass
class CheckedRow:
    line: int
    data: SignalementData | None
    errors: list  # [(field, reason)]

    @cached_property
    def key_values(self):
        """The row as we understood it: the same young person written differently gives the same key."""
        d = self.data
        texts = [normalise(getattr(d, f)) for f in ["prenom", *TEXT_FIELDS]]
        others = [
            d.date_naissance, d.tranche_age, d.telephone, d.email.lower(), d.joignable_via_prescripteur,
            d.commune.pk, d.fin_accompagnement_le, d.canal_prefere, d.jeune_informe, d.jeune_accord,
        ]  # fmt: skip
        return [*texts, *("" if v is None else str(v) for v in others)]

    def cle_import(self, organisation_id):
        return hashlib.sha256("\x1f".join([str(organisation_id), *self.key_values]).encode()).hexdigest()


PARSERS = {
    "date_naissance": parse_date,
    "fin_accompagnement_le": parse_date,
    "tranche_age": parse_tranche,
    "telephone": normalise_phone,
    "email": parse_email,
    "joignable_via_prescripteur": parse_bool,
    "jeune_informe": parse_bool,
    "jeune_accord": parse_bool,
    "canal_prefere": parse_canal,
}


def check_row(row, communes, today=None):
    """SignalementData for one file row, or its errors (field label, reason): everything `signaler()` would
    refuse, found without writing, so that the preview shows it before anything is imported."""
    values, errors, fields = row["values"], [], {}
    for key, text in values.items():
        if key in ("commune", "code_postal"):
            continue
        if key in MAX_LENGTHS and len(text) > MAX_LENGTHS[key]:
            errors.append((LABELS[key], f"Trop long : {MAX_LENGTHS[key]} caractères au plus."))
            continue
        try:
            fields[key] = PARSERS[key](text) if key in PARSERS else text
        except ValueError as error:
            errors.append((LABELS[key], str(error)))
    commune = None
    try:
        commune = communes.resolve(values.get("commune", ""), values.get("code_postal", ""))
    except ValueError as error:
        errors.append((LABELS["commune"], str(error)))
    data = SignalementData(prenom=fields.pop("prenom", ""), commune=None, **fields)
    # The commune is checked here through the index (one query per distinct commune, not per row).
    for field, message in validate(data, on=today).items():
        if field != "commune" and not any(label == LABELS.get(field) for label, _ in errors):
            errors.append((LABELS.get(field, ""), message))
    if commune is not None and not communes.is_covered(commune):
        errors.append((LABELS["commune"], f"{commune.nom} n'est pas encore couverte par une équipe SAS."))
    if errors:
        return CheckedRow(line=row["line"], data=None, errors=errors)
    return CheckedRow(line=row["line"], data=dataclasses.replace(data, commune=commune), errors=[])


def _error(line, field, reason):
    return {"line": line, "field": field, "reason": reason}


# --- Batch ---------------------------------------------------------------------------------------------------


def create_batch(*, organisation, user, filename, content):
    """An ImportBatch in preview, with every error found without writing, what was cleaned or left aside, and the
    other sheets that could be read instead. ImportFileError if the file cannot be read."""
    table = parse_file(filename, content)
    return import_transitions.start(
        actor=user,
        organisation=organisation,
        created_by=user,
        filename=filename[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        sheet=table.sheet[:255],
        other_sheets=table.other_sheets,
        warnings=table.warnings,
        **_checked(table.rows, organisation),
    )


def _checked(rows, organisation):
    """The rows of a batch in preview, and the errors the import would report."""
    communes, seen, errors = CommuneIndex(), {}, []
    for row in rows:
        checked = check_row(row, communes)
        if checked.errors:
            errors.extend(_error(checked.line, field, reason) for field, reason in checked.errors)
        elif (first := seen.setdefault(checked.cle_import(organisation.pk), checked.line)) != checked.line:
            errors.append(_error(checked.line, "", _duplicate(first)))
    return {"rows": rows, "total_rows": len(rows), "errors": errors}


def choose_sheet(batch, name):
    """Read another sheet of the file in preview instead of the one chosen at upload. The row is locked and re-read:
    an import started meanwhile (another tab) refuses the change."""
    with transaction.atomic():
        current = ImportBatch.objects.select_for_update().select_related("organisation").get(pk=batch.pk)
        if current.status != ImportStatus.APERCU or name not in current.other_sheets:
            raise ValueError("Cette feuille ne peut plus être choisie : l'import est lancé ou la feuille n'existe pas.")
        chosen = current.other_sheets.pop(name)
        current.other_sheets[current.sheet] = {"rows": current.rows, "warnings": current.warnings}
        for field, value in _checked(chosen["rows"], current.organisation).items():
            setattr(current, field, value)
        current.sheet, current.warnings = name, chosen["warnings"]
        current.save(update_fields=["sheet", "other_sheets", "warnings", "rows", "total_rows", "errors"])
    return current


def _duplicate(first_line):
    return f"Ligne identique à la ligne {first_line} : elle n'est importée qu'une fois."


def preview(batch, count=PREVIEW_ROWS):
    """The first rows as read in the file, and as they will be imported (or their errors)."""
    communes = CommuneIndex()
    return [(row["values"], check_row(row, communes)) for row in batch.rows[:count]]


def run_import(batch, chunk_size=CHUNK_SIZE):
    """Import the rows not processed yet, by chunks of one transaction each, so that progress shows and a
    worker that stops resumes where it was. Each line ends up recorded, already imported or reported."""
    if batch.status == ImportStatus.TERMINE:
        return batch
    if batch.status != ImportStatus.EN_COURS:
        import_transitions.transition(batch, ImportStatus.EN_COURS, other_sheets={})
    if batch.processed_rows == 0:
        batch.errors = []
        batch.save(update_fields=["errors"])
    communes, seen = CommuneIndex(), {}
    try:
        while batch.processed_rows < batch.total_rows:
            chunk = batch.rows[batch.processed_rows : batch.processed_rows + chunk_size]
            with transaction.atomic():
                _import_chunk(batch, chunk, communes, seen)
                batch.processed_rows += len(chunk)
                batch.save(update_fields=_PROGRESS_FIELDS)
    except Exception:
        failed_at = timezone.now()
        import_transitions.transition(batch, ImportStatus.ECHEC, at=failed_at, finished_at=failed_at)
        raise
    # The report keeps line numbers and reasons; the personal data now lives in the records.
    done_at = timezone.now()
    import_transitions.transition(batch, ImportStatus.TERMINE, at=done_at, finished_at=done_at, rows=[])
    return batch


_PROGRESS_FIELDS = ["processed_rows", "created_count", "already_imported_count", "errors"]


def _import_chunk(batch, chunk, communes, seen):
    organisation = batch.organisation
    checked_rows = [check_row(row, communes) for row in chunk]
    keys = {checked.line: checked.cle_import(organisation.pk) for checked in checked_rows if not checked.errors}
    existing = set(
        Signalement.objects.filter(organisation=organisation, cle_import__in=keys.values()).values_list(
            "cle_import", flat=True
        )
    )
    todo = {}  # {line: cle_import} of the rows to write: first seen in the file, not imported before
    for checked in checked_rows:
        key = keys.get(checked.line)
        if key is not None and seen.setdefault(key, checked.line) == checked.line and key not in existing:
            todo[checked.line] = key
    results = _signaler_many(batch, [(checked, todo[checked.line]) for checked in checked_rows if checked.line in todo])
    for checked in checked_rows:
        if checked.errors:
            batch.errors.extend(_error(checked.line, field, reason) for field, reason in checked.errors)
        elif checked.line in todo:
            if results is None:
                _signaler(batch, checked, todo[checked.line])
            else:
                _count(batch, checked, results[checked.line])
        elif (first := seen[keys[checked.line]]) != checked.line:
            batch.errors.append(_error(checked.line, "", _duplicate(first)))
        else:
            batch.already_imported_count += 1


def _signaler_many(batch, todo):
    """{line: SignalementResult or ValidationError} of the rows to import, or None if they must go row by row."""
    if not todo:
        return {}
    try:
        results = signaler_many(
            [(checked.data, key) for checked, key in todo],
            source=SignalementSource.FICHIER,
            organisation=batch.organisation,
            created_by=batch.created_by,
        )
    except DatabaseError:
        # signaler_many() rolled its savepoint back. Some rows may just have been imported by a concurrent run:
        # row by row, only those are set aside.
        logger.info("Import %s: a chunk goes row by row", batch.pk, exc_info=True)
        return None
    return {checked.line: result for (checked, _), result in zip(todo, results, strict=True)}


def _count(batch, checked, result):
    """Add one row's outcome to the report."""
    if isinstance(result, ValidationError):
        for field, messages in result.message_dict.items():
            batch.errors.extend(_error(checked.line, LABELS.get(field, ""), message) for message in messages)
    else:
        # Whether the row joined someone already known is never told to the file's sender.
        batch.created_count += 1


def _signaler(batch, checked, key):
    try:
        result = signaler(
            checked.data,
            source=SignalementSource.FICHIER,
            organisation=batch.organisation,
            created_by=batch.created_by,
            cle_import=key,
        )
    except ValidationError as error:
        _count(batch, checked, error)
        return
    except DatabaseError:
        # signaler() rolled its savepoint back; the same row may just have been imported by a concurrent run.
        if Signalement.objects.filter(organisation=batch.organisation, cle_import=key).exists():
            batch.already_imported_count += 1
        else:
            logger.exception("Import %s, line %s", batch.pk, checked.line)
            batch.errors.append(
                _error(checked.line, "", "Enregistrement impossible : transmettez ce fichier au support.")
            )
        return
    _count(batch, checked, result)
