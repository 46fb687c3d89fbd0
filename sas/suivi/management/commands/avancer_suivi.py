from sas.commands import ActionsCommand
from sas.suivi.services import avancer


class Command(ActionsCommand):
    help = (
        "Fait avancer le suivi après la prise en charge : démarre les suivis, pose les questions des points d'étape "
        "(1, 3, 6 mois), relance, renvoie vers le conseiller sans réponse, et redonne un essai aux injoignables "
        "avant de clore. Simulation sans --wet-run. À lancer régulièrement (toutes les heures)."
    )
    actions = staticmethod(avancer)
    quoi, faites, a_faire = "action(s) de suivi", "faite(s)", "à faire"
