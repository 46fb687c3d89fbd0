from sas.aiguillage.cadence import avancer
from sas.commands import ActionsCommand


class Command(ActionsCommand):
    help = (
        "Fait avancer le plan de contact de chaque parcours en attente de contact (messages, tâches d'appel, "
        "décision « injoignable »). Simulation sans --wet-run. À lancer régulièrement (toutes les 15 minutes)."
    )
    actions = staticmethod(avancer)
    quoi, faites, a_faire = "étape(s)", "exécutée(s)", "à exécuter"
