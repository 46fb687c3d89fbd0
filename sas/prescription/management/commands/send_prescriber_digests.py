from django.core.management.base import BaseCommand

from sas.prescription.digest import send_digests


class Command(BaseCommand):
    help = "Envoie le résumé hebdomadaire aux prescripteurs qui l'ont demandé. Simulation sans --wet-run."

    def add_arguments(self, parser):
        parser.add_argument("--wet-run", action="store_true", help="envoyer (sinon simulation)")

    def handle(self, *args, wet_run=False, **options):
        sent, quiet = send_digests(wet_run=wet_run)
        prefix = "" if wet_run else "[simulation, rien n'est envoyé; relancer avec --wet-run] "
        self.stdout.write(f"{prefix}{sent} résumé(s) envoyé(s), {quiet} prescripteur(s) sans nouveauté.")
