from django.core.management.base import BaseCommand

from sas.messagerie.envoi import envoyer_dus


class Command(BaseCommand):
    help = (
        "Envoie les messages dont l'heure est passée et renvoie ceux qu'un processus interrompu a laissés « en cours »"
        " (le prestataire ignore le doublon grâce à la clé du message). Simulation sans --wet-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--wet-run", action="store_true", help="envoyer (sinon simulation)")

    def handle(self, *args, wet_run=False, **options):
        bloques, dus, bilan = envoyer_dus(wet_run=wet_run)
        prefix = "" if wet_run else "[simulation, rien n'est envoyé; relancer avec --wet-run] "
        self.stdout.write(f"{prefix}{len(dus)} message(s) dû(s), {len(bloques)} message(s) interrompu(s) à reprendre.")
        for statut, nombre in sorted(bilan.items(), key=lambda item: str(item[0])):
            self.stdout.write(f"  {statut} : {nombre}")
