from sas.commands import Bilan, DataCommand
from sas.prescription.digest import send_digests


class Command(DataCommand):
    help = "Envoie le résumé hebdomadaire aux prescripteurs qui l'ont demandé. Simulation sans --wet-run."
    wet_run_help = "envoyer (sinon simulation)"

    def agir(self, *, wet_run):
        sent, quiet = send_digests(wet_run=wet_run)
        verb = "envoyé(s)" if wet_run else "à envoyer"
        return Bilan().compter(sent, f"résumé(s) {verb}").compter(quiet, "prescripteur(s) sans nouveauté")
