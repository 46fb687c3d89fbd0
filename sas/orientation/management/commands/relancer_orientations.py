from sas.commands import Bilan, DataCommand
from sas.orientation.services import relancer


class Command(DataCommand):
    help = (
        "Relance les structures qui n'ont pas répondu à une orientation (après 3 puis 7 jours, jamais plus) et fait "
        "expirer celles restées sans réponse 15 jours. Simulation sans --wet-run. À lancer chaque jour ou plus souvent."
    )

    def agir(self, *, wet_run):
        lines = relancer(wet_run=wet_run)
        return Bilan.des_actions(lines, "action(s)", faites="faite(s)", a_faire="à faire", wet_run=wet_run)
