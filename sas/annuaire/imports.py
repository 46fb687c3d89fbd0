"""Import and export of data·inclusion dumps (JSON and CSV), validated with the schema package.

A dump is either a JSON list of structures or of services (as data·inclusion publishes `structures.json` and
`services.json`), a JSON object {"structures": [...], "services": [...]} (our export), or a CSV file of structures
or of services. In CSV, list fields are read from a JSON array (`["a", "b"]`), a PostgreSQL array (`{a,b}`) or
values separated by commas or "|". Rows are upserted by (source, id); a row whose content did not change is left
alone, so importing the same dump twice changes nothing.
"""

import ast
import csv
import gc
import io
import json
from collections import namedtuple
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from typing import NamedTuple

from django.db import connection, models, transaction
from django.utils import timezone

from sas.communes.models import Commune

from . import schema
from .models import Service, Structure
from .schema import SERVICE, STRUCTURE, validate

BIG_IMPORT = 5000
Place = namedtuple("Place", "latitude longitude")


@dataclass
class Rejet:
    position: str  # "ligne 12" (CSV) or "élément 12" (JSON), 1-based
    genre: str
    identifiant: str
    raisons: list

    def __str__(self):
        ident = f" « {self.identifiant} »" if self.identifiant else ""
        return f"{self.position} ({self.genre}{ident}) : {' ; '.join(self.raisons)}"


@dataclass
class Compte:
    crees: int = 0
    modifies: int = 0
    inchanges: int = 0


@dataclass
class RapportImport:
    wet_run: bool
    structures: Compte = field(default_factory=Compte)
    services: Compte = field(default_factory=Compte)
    rejets: list = field(default_factory=list)
    avertissements: list = field(default_factory=list)  # what was read but not imported (unknown columns…)

    def lignes(self):
        verbe = "" if self.wet_run else "seraient "
        yield (
            f"Structures : {self.structures.crees} {verbe}créées, {self.structures.modifies} {verbe}modifiées, "
            f"{self.structures.inchanges} inchangées."
        )
        yield (
            f"Services : {self.services.crees} {verbe}créés, {self.services.modifies} {verbe}modifiés, "
            f"{self.services.inchanges} inchangés."
        )
        for avertissement in self.avertissements:
            yield f"Avertissement : {avertissement}"
        yield f"Lignes rejetées : {len(self.rejets)}."
        for rejet in self.rejets:
            yield f"  {rejet}"


# Reading


def _list_value(text):
    text = text.strip()
    if not text:
        return None
    if text.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            return ast.literal_eval(text)
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    separator = "|" if "|" in text else ","
    return [part.strip().strip('"') for part in text.split(separator) if part.strip()]


class Lecture(NamedTuple):
    rows: list  # (position, genre, row) triples
    avertissements: list  # French sentences: what the file holds that is not imported


def _csv_rows(text):
    """Lecture of a CSV dump separated by commas, semicolons or tabs (the most frequent on the header line)."""
    delimiter = max([",", ";", "\t"], key=text.split("\n", 1)[0].count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    names = [name.strip() for name in next(reader, [])]
    genre = SERVICE if "structure_id" in names else STRUCTURE
    known = set(schema.SERVICE_FIELDS if genre == SERVICE else schema.STRUCTURE_FIELDS)
    unknown = [name for name in names if name and name not in known]
    avertissements = [f"colonnes inconnues du schéma, ignorées : {', '.join(unknown)}."] if unknown else []
    rows, first_line = [], reader.line_num + 1
    for cells in reader:
        if cells:
            rows.append((f"ligne {first_line}", genre, _csv_row(names, cells)))
        # A quoted value may span several lines: a record is reported at its first one.
        first_line = reader.line_num + 1
    return Lecture(rows, avertissements)


def _csv_row(names, cells):
    clean = {}
    for name, value in zip(names, cells, strict=False):
        if not name:
            continue
        if name in schema.LIST_FIELDS:
            try:
                clean[name] = _list_value(value)
            except (ValueError, SyntaxError):
                clean[name] = value  # left as is: the schema reports it
        else:
            clean[name] = value if value.strip() else None
    return clean


def _genre(row):
    return SERVICE if isinstance(row, dict) and "structure_id" in row else STRUCTURE


def read_dump(content, filename=""):
    """Lecture of a dump: its (position, genre, row) triples and warnings. ValueError in French if unreadable."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValueError("Le fichier n'est pas encodé en UTF-8.") from error
    stripped = content.lstrip()
    if filename.lower().endswith(".json") or stripped[:1] in ("[", "{"):
        try:
            data = json.loads(content)
        except ValueError as error:
            raise ValueError(f"JSON illisible : {error}.") from error
        if isinstance(data, dict):
            if not {"structures", "services"} & data.keys():
                raise ValueError("Objet JSON sans liste « structures » ni « services ».")
            rows = [(f"structures, élément {i}", STRUCTURE, r) for i, r in enumerate(data.get("structures", []), 1)]
            rows += [(f"services, élément {i}", SERVICE, r) for i, r in enumerate(data.get("services", []), 1)]
            return Lecture(rows, [])
        if not isinstance(data, list):
            raise ValueError("Le fichier JSON doit contenir une liste de structures ou de services.")
        return Lecture([(f"élément {i}", _genre(r), r) for i, r in enumerate(data, 1)], [])
    return _csv_rows(content)


# Upsert


def _places():
    return {
        code: (Place(lat, lon) if lat is not None else None)
        for code, lat, lon in Commune.objects.values_list("code_insee", "latitude", "longitude")
    }


def _existing(model, sources):
    return {
        (source, ident): (pk, empreinte)
        for pk, source, ident, empreinte in model.objects.filter(source__in=sources).values_list(
            "pk", "source", "identifiant", "empreinte"
        )
    }


def _count(compte, existing, key, empreinte):
    known = existing.get(key)
    if known is None:
        compte.crees += 1
        return "create"
    if known[1] == empreinte:
        compte.inchanges += 1
        return None
    compte.modifies += 1
    return known[0]


@cache
def _columns(model):
    return {f.attname: None for f in model._meta.concrete_fields}


def _blank(model, **values):
    """A plain dict of the model's columns: building 150,000 model instances costs more than the COPY."""
    return _columns(model) | values


def _instances(model, rows):
    return [model(**row) for row in rows]


def _copy_insert(model, instances, now):
    """PostgreSQL COPY of new rows: several times faster than bulk_create's parameter binding for wide rows."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values_of = itemgetter(*(f.attname for f in fields))
    stamped = [i for i, f in enumerate(fields) if f.attname in ("cree_le", "modifie_le")]
    json_indexes = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    encoded = {}  # the same short lists (modes, publics, zones…) come back again and again

    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for instance in instances:
            values = list(values_of(instance))
            for index in stamped:
                values[index] = now
            for index in json_indexes:
                key = tuple(values[index])
                if key not in encoded:
                    encoded[key] = json.dumps(values[index])
                values[index] = encoded[key]
            copy.write_row(values)


# Columns an import never overwrites: its creation date, and what SAS sets itself (the receiving organisation
# whose accounts answer for a structure, the age limits a person set).
NOT_IMPORTED = frozenset({"cree_le", "organisation", "age_min", "age_max"})


def _save(model, to_create, to_update, now):
    if connection.vendor == "postgresql":
        _copy_insert(model, to_create, now)
    else:
        model.objects.bulk_create(_instances(model, to_create), batch_size=1000)
    to_update = _instances(model, to_update)
    for instance in to_update:
        instance.modifie_le = now  # bulk_update skips auto_now
    if to_update:
        names = [f.name for f in model._meta.concrete_fields if not f.primary_key and f.name not in NOT_IMPORTED]
        model.objects.bulk_update(to_update, names, batch_size=500)


@contextmanager
def _gc_paused():
    """The cyclic collector would walk the hundreds of thousands of rows held here again and again (a third of a
    big import's time), though they make no cycles. It is process-wide, hence restored as found."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_rows(rows, wet_run=False, now=None, avertissements=()):
    """Validate and upsert (position, genre, row) triples; returns a RapportImport, with the reading's warnings."""
    with _gc_paused():
        return _import_rows(rows, wet_run, now, avertissements)


def _import_rows(rows, wet_run, now, avertissements):
    now = now or timezone.now()
    rapport = RapportImport(wet_run=wet_run, avertissements=list(avertissements))
    valid = {STRUCTURE: [], SERVICE: []}
    seen = set()
    for position, genre, row in rows:
        ident = str(row.get("id") or "") if isinstance(row, dict) else ""
        if genre == SERVICE:
            row = schema.from_older_schema(row)
        clean, reasons = validate(genre, row)
        if reasons:
            rapport.rejets.append(Rejet(position, genre, ident, reasons))
            continue
        key = (genre, clean["source"], clean["id"])
        if key in seen:
            rapport.rejets.append(Rejet(position, genre, ident, ["identifiant en double dans le fichier"]))
            continue
        seen.add(key)
        if genre == SERVICE and (suspendu := schema.suspension(row)):
            clean["date_suspension"] = suspendu.isoformat()
        valid[genre].append((position, clean))

    places = _places()
    with transaction.atomic():
        structures = _import_structures(valid[STRUCTURE], places, rapport, wet_run, now)
        _import_services(valid[SERVICE], structures, places, rapport, wet_run, now)
    if wet_run and connection.vendor == "postgresql" and rapport.services.crees > BIG_IMPORT:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE annuaire_structure, annuaire_service")  # fresh statistics for the planner
    return rapport


def _queue(values, action, to_create, to_update):
    """A new row goes to the creations, a changed one to the updates under its primary key (`action`)."""
    if action == "create":
        to_create.append(values)
    else:
        values["id"] = action
        to_update.append(values)


def _import_structures(rows, places, rapport, wet_run, now):
    """Upsert structures; returns {(source, id): Structure or None (dry run)} for the services' lookup."""
    sources = {row["source"] for _, row in rows}
    existing = _existing(Structure, sources)
    to_create, to_update, keys = [], [], []
    for _, row in rows:
        key = (row["source"], row["id"])
        empreinte = schema.fingerprint(row)
        action = _count(rapport.structures, existing, key, empreinte)
        keys.append(key)
        if action is None or not wet_run:
            continue
        structure = _blank(Structure, **schema.model_values(row), empreinte=empreinte)
        structure["commune_cog_id"] = row["code_insee"] if row["code_insee"] in places else None
        _queue(structure, action, to_create, to_update)
    if wet_run:
        _save(Structure, to_create, to_update, now)
    return keys


def _import_services(rows, structure_keys, places, rapport, wet_run, now):
    sources = {row["source"] for _, row in rows}
    structures_by_key = {
        (s.source, s.identifiant): s
        for s in Structure.objects.filter(source__in=sources).only(
            "pk", "source", "identifiant", "code_insee", "latitude", "longitude"
        )
    }
    known_structures = set(structures_by_key) | set(structure_keys)
    existing = _existing(Service, sources)
    to_create, to_update = [], []
    for position, row in rows:
        structure_key = (row["source"], row["structure_id"])
        if structure_key not in known_structures:
            rapport.rejets.append(
                Rejet(
                    position,
                    SERVICE,
                    row["id"],
                    [f"structure « {row['structure_id']} » inconnue (ni dans le fichier ni dans l'annuaire)"],
                )
            )
            continue
        empreinte = schema.fingerprint(row)
        action = _count(rapport.services, existing, (row["source"], row["id"]), empreinte)
        if action is None or not wet_run:
            continue
        structure = structures_by_key[structure_key]
        service = _blank(Service, **schema.model_values(row), structure_id=structure.pk, empreinte=empreinte)
        place = places.get(row["code_insee"])
        service["commune_cog_id"] = row["code_insee"] if row["code_insee"] in places else None
        service.update(schema.derived(service, commune=place or Place(None, None), structure=structure))
        _queue(service, action, to_create, to_update)
    if wet_run:
        _save(Service, to_create, to_update, now)


def import_dump(content, filename="", wet_run=False, now=None):
    lecture = read_dump(content, filename)
    return import_rows(lecture.rows, wet_run=wet_run, now=now, avertissements=lecture.avertissements)


# Export


def export_dump(sources=None):
    """{"structures": [...], "services": [...]} in the schema; every row is checked with the package's models."""
    structures = Structure.objects.order_by("source", "identifiant")
    services = Service.objects.select_related("structure").order_by("source", "identifiant")
    if sources:
        structures, services = structures.filter(source__in=sources), services.filter(source__in=sources)
    dump = {
        "structures": [schema.structure_dict(s) for s in structures.iterator(chunk_size=2000)],
        "services": [schema.service_dict(s) for s in services.iterator(chunk_size=2000)],
    }
    problems = []
    for genre, key in ((STRUCTURE, "structures"), (SERVICE, "services")):
        for index, row in enumerate(dump[key], 1):
            _, reasons = validate(genre, row)
            if reasons:
                problems.append(Rejet(f"{key}, élément {index}", genre, row["id"], reasons))
    if problems:
        raise ValueError("Export non conforme au schéma : " + " | ".join(str(p) for p in problems[:20]))
    return dump
