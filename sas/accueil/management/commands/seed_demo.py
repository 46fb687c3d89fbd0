from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sas.accueil.demo import DEMO_PASSWORD, seed


class Command(BaseCommand):
    help = "Crée le territoire de démonstration (Rhône et Métropole de Lyon). Simulation sans --wet-run."

    def add_arguments(self, parser):
        parser.add_argument("--wet-run", action="store_true", help="écrire en base (sinon simulation)")
        parser.add_argument("--people", type=int, default=300, help="nombre de jeunes à créer")

    def handle(self, *args, wet_run=False, people=300, **options):
        if not (settings.SAS_DEMO or settings.DEBUG):
            raise CommandError("Données de démonstration refusées : activez SAS_DEMO=1 (jamais en production).")
        try:
            report = seed(wet_run=wet_run, people=people)
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        prefix = "" if wet_run else "[simulation, rien n'est écrit; relancer avec --wet-run] "
        people_part = (
            "jeunes déjà présents, aucun ajouté"
            if report.skipped_people
            else f"{report.parcours} parcours et {report.events} événements, "
            f"{report.creneaux} créneaux de rendez-vous, {report.messages} messages de premier contact, "
            f"{report.orientations} orientations"
        )
        self.stdout.write(
            f"{prefix}{report.organisations} organisations et {report.users} comptes créés ; {people_part}. "
            f"Mot de passe des comptes de démonstration : {DEMO_PASSWORD}"
        )
