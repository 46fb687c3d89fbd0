from sas.commands import ActionsCommand
from sas.orientation.services import relancer


class Command(ActionsCommand):
    help = (
        "Relance les structures qui n'ont pas répondu à une orientation (après 3 puis 7 jours, jamais plus) et fait "
        "expirer celles restées sans réponse 15 jours. Simulation sans --wet-run. À lancer chaque jour ou plus souvent."
    )
    actions = staticmethod(relancer)
    quoi, faites, a_faire = "action(s)", "faite(s)", "à faire"
