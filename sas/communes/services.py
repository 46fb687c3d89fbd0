"""The vendored administrative reference (see data/SOURCE.md): building it from Etalab's files, loading it into the
database."""

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from .models import Commune, Departement, Epci, Region, normalise

DATA_DIR = Path(__file__).resolve().parent / "data"
COMMUNE_COLUMNS = [
    "code_insee",
    "nom",
    "parent",
    "codes_postaux",
    "departement",
    "epci",
    "population",
    "latitude",
    "longitude",
    "anciens_noms",
]
CURRENT, ARRONDISSEMENT = "commune-actuelle", "arrondissement-municipal"
FORMER = {"commune-deleguee", "commune-associee"}


@dataclass
class ImportReport:
    departements: int
    communes_created: int
    communes_updated: int
    epci: int = 0


# Building the vendored files


def _read_json(folder, name):
    return json.loads((Path(folder) / name).read_text(encoding="utf-8"))


def _positions(coordinates_csv):
    """{INSEE code: (latitude, longitude, population)} of the statistical compilation (one row per postcode)."""
    found = {}
    with open(coordinates_csv, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["lat"] and row["insee_com"] not in found:
                found[row["insee_com"]] = (float(row["lat"]), float(row["lng"]), int(row["population_2021"] or 0))
    return found


def _centre(points):
    """Population-weighted centre of (latitude, longitude, population) points, or None."""
    if not points:
        return None
    weight = sum(max(p, 1) for _, _, p in points)
    return (
        round(sum(lat * max(p, 1) for lat, _, p in points) / weight, 5),
        round(sum(lon * max(p, 1) for _, lon, p in points) / weight, 5),
    )


def build_reference(source_dir, coordinates_csv):
    """{file name: rows} of the vendored reference: communes and arrondissements of Etalab's découpage
    administratif, with the coordinates and population of the statistical compilation joined by INSEE code. The
    three PLM communes (and communes created since the compilation) take the centre of their parts."""
    communes = _read_json(source_dir, "communes.json")
    positions = _positions(coordinates_csv)
    members = {
        member["code"]: epci["code"] for epci in _read_json(source_dir, "epci.json") for member in epci["membres"]
    }
    parts, former_names = {}, {}
    for entry in communes:
        if entry["type"] == ARRONDISSEMENT:
            parts.setdefault(entry["commune"], []).append(entry["code"])
        elif entry["type"] in FORMER:
            former_names.setdefault(entry["chefLieu"], set()).add(entry["nom"])
            if entry["code"] != entry["chefLieu"]:
                parts.setdefault(entry["chefLieu"], []).append(entry["code"])
    rows = []
    for entry in communes:
        if entry["type"] not in (CURRENT, ARRONDISSEMENT):
            continue
        code, parent = entry["code"], entry.get("commune", "")
        known = positions.get(code)
        centre = known[:2] if known else _centre([positions[p] for p in parts.get(code, ()) if p in positions])
        population = known[2] if known else entry.get("population", 0)
        names = sorted(former_names.get(code, set()) - {entry["nom"]})
        rows.append(
            {
                "code_insee": code,
                "nom": entry["nom"],
                "parent": parent,
                "codes_postaux": " ".join(sorted(set(entry.get("codesPostaux", ())))),
                "departement": entry["departement"],
                "epci": members.get(parent or code, ""),
                "population": population,
                "latitude": centre[0] if centre else "",
                "longitude": centre[1] if centre else "",
                "anciens_noms": "|".join(names),
            }
        )
    rows.sort(key=lambda row: row["code_insee"])
    departements = _read_json(source_dir, "departements.json")
    return {
        "communes.csv": (COMMUNE_COLUMNS, rows),
        "departements.csv": (["code", "nom", "region"], [_pick(d, "code", "nom", "region") for d in departements]),
        "regions.csv": (["code", "nom"], [_pick(r, "code", "nom") for r in _read_json(source_dir, "regions.json")]),
        "epci.csv": (
            ["code", "nom", "type"],
            [_pick(e, "code", "nom", "type") for e in _read_json(source_dir, "epci.json")],
        ),
    }


def _pick(entry, *names):
    return {name: entry[name] for name in names}


def write_reference(files, folder=DATA_DIR):
    for name, (columns, rows) in files.items():
        with open(Path(folder) / name, "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)


# Loading the vendored files


def _rows(name, folder=DATA_DIR):
    with open(Path(folder) / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_regions():
    return [Region(code=row["code"], nom=row["nom"]) for row in _rows("regions.csv")]


def read_departements():
    return [Departement(code=row["code"], nom=row["nom"], region_id=row["region"]) for row in _rows("departements.csv")]


def read_epci():
    return [Epci(code=row["code"], nom=row["nom"], type=row["type"]) for row in _rows("epci.csv")]


def read_communes():
    """One Commune per INSEE code; former names of merged communes are kept, normalised, for search."""
    return [
        Commune(
            code_insee=row["code_insee"],
            nom=row["nom"],
            nom_normalise=normalise(row["nom"]),
            anciens_noms="".join(f"|{normalise(name)}" for name in row["anciens_noms"].split("|") if name),
            codes_postaux=row["codes_postaux"],
            departement_id=row["departement"],
            epci_id=row["epci"] or None,
            parent_id=row["parent"] or None,
            latitude=float(row["latitude"]) if row["latitude"] else None,
            longitude=float(row["longitude"]) if row["longitude"] else None,
            population=int(row["population"] or 0),
        )
        for row in _rows("communes.csv")
    ]


COMMUNE_FIELDS = [
    "nom",
    "nom_normalise",
    "anciens_noms",
    "codes_postaux",
    "departement",
    "epci",
    "parent",
    "latitude",
    "longitude",
    "population",
]


def import_communes(wet_run=False):
    regions, departements, epci, communes = read_regions(), read_departements(), read_epci(), read_communes()
    existing = set(Commune.objects.values_list("code_insee", flat=True))
    report = ImportReport(
        departements=len(departements),
        communes_created=sum(1 for c in communes if c.code_insee not in existing),
        communes_updated=sum(1 for c in communes if c.code_insee in existing),
        epci=len(epci),
    )
    if wet_run:
        with transaction.atomic():
            Region.objects.bulk_create(regions, update_conflicts=True, unique_fields=["code"], update_fields=["nom"])
            Departement.objects.bulk_create(
                departements, update_conflicts=True, unique_fields=["code"], update_fields=["nom", "region"]
            )
            Epci.objects.bulk_create(
                epci, batch_size=500, update_conflicts=True, unique_fields=["code"], update_fields=["nom", "type"]
            )
            # Parents first: an arrondissement points at its commune.
            communes.sort(key=lambda c: c.parent_id is not None)
            Commune.objects.bulk_create(
                communes,
                batch_size=2000,
                update_conflicts=True,
                unique_fields=["code_insee"],
                update_fields=COMMUNE_FIELDS,
            )
    return report
