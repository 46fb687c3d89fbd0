from sas.commands import Bilan, DataCommand
from sas.suivi.services import avancer


class Command(DataCommand):
    help = (
        "Fait avancer le suivi après la prise en charge : démarre les suivis, pose les questions des points d'étape "
        "(1, 3, 6 mois), relance, renvoie vers le conseiller sans réponse, et redonne un essai aux injoignables "
        "avant de clore. Simulation sans --wet-run. À lancer régulièrement (toutes les heures)."
    )

    def agir(self, *, wet_run):
        lignes = avancer(wet_run=wet_run)
        verb = "faite(s)" if wet_run else "à faire"
        return Bilan(lignes=[str(ligne) for ligne in lignes]).compter(len(lignes), f"action(s) de suivi {verb}")
