"""The demo catalogue of the Lyon metropolitan area: a data·inclusion dump (data/structures.json and
data/services.json, fictional: see data/SOURCE.md) imported through the same reading, validation and upsert as any
dump, so running it twice changes nothing.
"""

from pathlib import Path

from sas.communes.models import Commune

from .imports import import_rows, read_dump

SOURCE = "sas-demo"
DATA = Path(__file__).resolve().parent / "data"
FILES = ("structures.json", "services.json")


def catalogue_rows():
    """(position, genre, row) triples of the demo catalogue, ready for import_rows."""
    rows = [
        (f"{name}, {position}", genre, row)
        for name in FILES
        for position, genre, row in read_dump((DATA / name).read_bytes(), name).rows
    ]
    codes = {row["code_insee"] for _, _, row in rows if row.get("code_insee")}
    missing = codes - set(Commune.objects.filter(pk__in=codes).values_list("pk", flat=True))
    if missing:
        raise ValueError(
            "Communes absentes de la base : " + ", ".join(sorted(missing)) + ". Lancer d’abord importer_communes."
        )
    return rows


def seed_annuaire(wet_run=False):
    return import_rows(catalogue_rows(), wet_run=wet_run)
