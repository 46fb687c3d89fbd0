from django.core.management.base import BaseCommand

from sas.communes.services import import_communes


class Command(BaseCommand):
    help = "Charge le référentiel des communes et départements (INSEE COG) vendu dans sas/communes/data."

    def add_arguments(self, parser):
        parser.add_argument("--wet-run", action="store_true", help="écrire en base (sinon simulation)")

    def handle(self, *args, wet_run=False, **options):
        report = import_communes(wet_run=wet_run)
        prefix = "" if wet_run else "[simulation, rien n'est écrit; relancer avec --wet-run] "
        self.stdout.write(
            f"{prefix}{report.departements} départements, {report.communes_created} communes créées, "
            f"{report.communes_updated} communes mises à jour."
        )
