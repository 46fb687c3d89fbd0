from sas.aiguillage.cadence import avancer
from sas.commands import Bilan, DataCommand


class Command(DataCommand):
    help = (
        "Fait avancer le plan de contact de chaque parcours en attente de contact (messages, tâches d'appel, "
        "décision « injoignable »). Simulation sans --wet-run. À lancer régulièrement (toutes les 15 minutes)."
    )

    def agir(self, *, wet_run):
        steps = avancer(wet_run=wet_run)
        return Bilan.des_actions(steps, "étape(s)", faites="exécutée(s)", a_faire="à exécuter", wet_run=wet_run)
