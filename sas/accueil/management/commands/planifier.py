"""The demo's scheduler: runs the periodic commands at their production rhythm (README, "Running on PostgreSQL and
deploying"), each with --wet-run, so that `make run` behaves like the deployed service. In production a platform
scheduler (cron) runs the same commands; every one of them is idempotent."""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

# (command, seconds between two runs). The demo runs the cadence every minute so that a first message leaves soon
# after a signalement, not at the next quarter of an hour.
PERIODIQUES = [
    ("avancer_cadence", 60),
    ("envoyer_messages_dus", 5 * 60),
    ("relancer_orientations", 60 * 60),
    ("avancer_suivi", 60 * 60),
    ("envoyer_resumes_prescripteurs", 24 * 60 * 60),
    ("appliquer_conservation", 24 * 60 * 60),
]


def dues(derniers, maintenant):
    """The commands whose interval has passed since their last run (all of them at the first call)."""
    return [nom for nom, intervalle in PERIODIQUES if maintenant - derniers.get(nom, float("-inf")) >= intervalle]


class Command(BaseCommand):
    help = "Lance les commandes périodiques à leur rythme (démonstration) ; --une-fois pour un seul passage."

    def add_arguments(self, parser):
        parser.add_argument("--une-fois", action="store_true", help="un seul passage, puis s'arrêter")

    def handle(self, *args, une_fois=False, **options):
        derniers = {}
        while True:
            maintenant = time.monotonic()
            for nom in dues(derniers, maintenant):
                derniers[nom] = maintenant
                self.stdout.write(f"{timezone.localtime():%H:%M:%S} {nom}")
                try:
                    call_command(nom, "--wet-run", stdout=self.stdout, stderr=self.stderr)
                except Exception as error:  # one failing command must not stop the others
                    self.stderr.write(f"{nom} a échoué : {error!r}")
            if une_fois:
                return
            time.sleep(10)
