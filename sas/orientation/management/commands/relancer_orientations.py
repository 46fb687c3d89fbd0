from django.core.management.base import BaseCommand

from sas.orientation.services import relancer


class Command(BaseCommand):
    help = (
        "Relance les structures qui n'ont pas répondu à une orientation (après 3 puis 7 jours, jamais plus) et fait "
        "expirer celles restées sans réponse 15 jours. Simulation sans --wet-run. À lancer chaque jour ou plus souvent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--wet-run", action="store_true", help="agir (sinon simulation)")

    def handle(self, *args, wet_run=False, **options):
        lines = relancer(wet_run=wet_run)
        prefix = "" if wet_run else "[simulation, rien n'est fait ; relancer avec --wet-run] "
        for line in lines:
            self.stdout.write(f"{prefix}{line}")
        verb = "faite(s)" if wet_run else "à faire"
        self.stdout.write(f"{prefix}{len(lines)} action(s) {verb}.")
