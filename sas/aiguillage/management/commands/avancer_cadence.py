from sas.aiguillage.cadence import avancer
from sas.commands import Bilan, DataCommand


class Command(DataCommand):
    help = (
        "Fait avancer le plan de contact de chaque parcours en attente de contact (messages, tâches d'appel, "
        "décision « injoignable »). Simulation sans --wet-run. À lancer régulièrement (toutes les 15 minutes)."
    )

    def agir(self, *, wet_run):
        steps = avancer(wet_run=wet_run)
        verb = "exécutée(s)" if wet_run else "à exécuter"
        return Bilan(lignes=[str(step) for step in steps]).compter(len(steps), f"étape(s) {verb}")
