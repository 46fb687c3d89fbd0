from pathlib import Path

from django.core.management.base import CommandError

from sas.annuaire.imports import import_rows, read_dump
from sas.commands import DataCommand

from ._bilan import bilan_import


class Command(DataCommand):
    help = (
        "Importe des structures et services au schéma data·inclusion (JSON ou CSV). "
        "Simulation (validation et rapport seulement) sans --wet-run."
    )
    wet_run_help = "enregistrer (sinon simulation)"
    atomique = True

    def ajouter_arguments(self, parser):
        parser.add_argument("fichiers", nargs="+", help="structures puis services (JSON ou CSV)")

    def agir(self, *, wet_run, fichiers):
        rows, avertissements = [], []
        for name in fichiers:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"Fichier introuvable : {name}")
            try:
                lecture = read_dump(path.read_bytes(), name)
            except ValueError as error:
                raise CommandError(f"{path.name} : {error}") from error
            rows += [(f"{path.name}, {pos}", genre, row) for pos, genre, row in lecture.rows]
            avertissements += [f"{path.name}, {avertissement}" for avertissement in lecture.avertissements]
        return bilan_import(import_rows(rows, wet_run=wet_run, avertissements=avertissements))
