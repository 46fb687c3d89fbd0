"""Load the vendored INSEE reference (see data/SOURCE.md) into the database."""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from .models import Commune, Departement, normalise

DATA_DIR = Path(__file__).resolve().parent / "data"
KEPT_TYPES = {"COM", "ARM"}


@dataclass
class ImportReport:
    departements: int
    communes_created: int
    communes_updated: int


def read_departements(path=DATA_DIR / "departements.csv"):
    with open(path, encoding="utf-8", newline="") as f:
        return [Departement(code=row["insee_dep"], nom=row["departement"]) for row in csv.DictReader(f)]


def read_communes(path=DATA_DIR / "communes.csv"):
    """One Commune per INSEE code; the file has one row per postcode and lists
    communes déléguées under their new commune's code."""
    communes, former_names = {}, {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            code = row["insee_com"]
            if row["commune_type"] not in KEPT_TYPES:
                former_names.setdefault(row["insee_parente"] or code, set()).add(normalise(row["commune"]))
                continue
            commune = communes.get(code)
            if commune is None:
                communes[code] = Commune(
                    code_insee=code,
                    nom=row["commune_article"] or row["commune"],
                    nom_normalise=normalise(row["commune_article"] or row["commune"]),
                    codes_postaux=row["code_postal"],
                    departement_id=row["insee_dep"],
                    latitude=float(row["lat"]) if row["lat"] else None,
                    longitude=float(row["lng"]) if row["lng"] else None,
                    population=int(row["population_2021"] or 0),
                )
            elif row["code_postal"] not in commune.codes_postaux.split():
                commune.codes_postaux += f" {row['code_postal']}"
    for code, names in former_names.items():
        if code in communes:
            names.discard(communes[code].nom_normalise)
            communes[code].anciens_noms = "".join(f"|{name}" for name in sorted(names))
    return list(communes.values())


def import_communes(wet_run=False):
    departements = read_departements()
    communes = read_communes()
    existing = set(Commune.objects.values_list("code_insee", flat=True))
    report = ImportReport(
        departements=len(departements),
        communes_created=sum(1 for c in communes if c.code_insee not in existing),
        communes_updated=sum(1 for c in communes if c.code_insee in existing),
    )
    if wet_run:
        fields = [
            "nom",
            "nom_normalise",
            "anciens_noms",
            "codes_postaux",
            "departement",
            "latitude",
            "longitude",
            "population",
        ]
        with transaction.atomic():
            Departement.objects.bulk_create(
                departements, batch_size=500, update_conflicts=True, unique_fields=["code"], update_fields=["nom"]
            )
            Commune.objects.bulk_create(
                communes, batch_size=2000, update_conflicts=True, unique_fields=["code_insee"], update_fields=fields
            )
    return report
