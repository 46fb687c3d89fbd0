from django.core.management.base import BaseCommand

from sas.aiguillage.cadence import avancer


class Command(BaseCommand):
    help = (
        "Fait avancer le plan de contact de chaque parcours en attente de contact (messages, tâches d'appel, "
        "décision « injoignable »). Simulation sans --wet-run. À lancer régulièrement (toutes les 15 minutes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--wet-run", action="store_true", help="agir (sinon simulation)")

    def handle(self, *args, wet_run=False, **options):
        steps = avancer(wet_run=wet_run)
        prefix = "" if wet_run else "[simulation, rien n'est fait; relancer avec --wet-run] "
        for step in steps:
            self.stdout.write(f"{prefix}{step}")
        verb = "exécutée(s)" if wet_run else "à exécuter"
        self.stdout.write(f"{prefix}{len(steps)} étape(s) {verb}.")
