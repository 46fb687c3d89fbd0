from sas.audit.purge import purger_journal
from sas.commands import Bilan, DataCommand


class Command(DataCommand):
    help = "Supprime les entrées du journal d'audit passé leur durée de conservation. Simulation sans --wet-run."
    wet_run_help = "supprimer (sinon simulation)"

    def agir(self, *, wet_run):
        nombre = purger_journal(wet_run=wet_run)
        return Bilan().compter(nombre, "entrée(s) du journal supprimée(s)" if wet_run else "entrée(s) à supprimer")
