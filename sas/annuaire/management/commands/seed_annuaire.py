from django.core.management.base import BaseCommand, CommandError

from sas.annuaire.seed import seed_annuaire


class Command(BaseCommand):
    help = "Crée ou met à jour le catalogue de démonstration (métropole de Lyon). Simulation sans --wet-run."

    def add_arguments(self, parser):
        parser.add_argument("--wet-run", action="store_true", help="enregistrer (sinon simulation)")

    def handle(self, *args, wet_run=False, **options):
        try:
            rapport = seed_annuaire(wet_run=wet_run)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if not wet_run:
            self.stdout.write("[simulation, rien n'est enregistré ; relancer avec --wet-run]")
        for line in rapport.lignes():
            self.stdout.write(line)
        if rapport.rejets:
            raise CommandError("Le catalogue de démonstration contient des lignes invalides.")
