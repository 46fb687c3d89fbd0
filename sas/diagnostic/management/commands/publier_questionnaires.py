from django.core.management.base import BaseCommand, CommandError

from sas.diagnostic.chargement import publier
from sas.diagnostic.models import Questionnaire


class Command(BaseCommand):
    help = "Publie les versions du questionnaire de diagnostic absentes de la base. Simulation sans --wet-run."

    def add_arguments(self, parser):
        parser.add_argument("--wet-run", action="store_true", help="publier (sinon simulation)")

    def handle(self, *args, wet_run=False, **options):
        try:
            lines = publier(Questionnaire, wet_run=wet_run)
        except ValueError as error:
            raise CommandError(str(error)) from error
        prefix = "" if wet_run else "[simulation, rien n'est enregistré; relancer avec --wet-run] "
        for line in lines:
            self.stdout.write(prefix + line)
