import json

from django.core.management.base import BaseCommand, CommandError

from sas.annuaire.imports import export_dump


class Command(BaseCommand):
    help = "Exporte l'annuaire au schéma data·inclusion (JSON {structures, services}), vérifié avec le schéma."

    def add_arguments(self, parser):
        parser.add_argument("fichier", help="fichier JSON à écrire")
        parser.add_argument("--source", action="append", dest="sources", help="limiter à cette source (répétable)")

    def handle(self, *args, fichier, sources=None, **options):
        try:
            dump = export_dump(sources)
        except ValueError as error:
            raise CommandError(str(error)) from error
        with open(fichier, "w", encoding="utf-8") as f:
            json.dump(dump, f, ensure_ascii=False, indent=1)
        counts = f"{len(dump['structures'])} structures et {len(dump['services'])} services"
        self.stdout.write(f"{counts} écrits dans {fichier}.")
