from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sas.annuaire.imports import import_rows, read_dump


class Command(BaseCommand):
    help = (
        "Importe des structures et services au schéma data·inclusion (JSON ou CSV). "
        "Simulation (validation et rapport seulement) sans --wet-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichiers", nargs="+", help="structures puis services (JSON ou CSV)")
        parser.add_argument("--wet-run", action="store_true", help="enregistrer (sinon simulation)")

    def handle(self, *args, fichiers, wet_run=False, **options):
        rows = []
        for name in fichiers:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"Fichier introuvable : {name}")
            try:
                rows += [(f"{path.name}, {pos}", genre, row) for pos, genre, row in read_dump(path.read_bytes(), name)]
            except ValueError as error:
                raise CommandError(f"{path.name} : {error}") from error
        rapport = import_rows(rows, wet_run=wet_run)
        if not wet_run:
            self.stdout.write("[simulation, rien n'est enregistré ; relancer avec --wet-run]")
        for line in rapport.lignes():
            self.stdout.write(line)
