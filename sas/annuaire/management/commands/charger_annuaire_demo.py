from sas.annuaire.seed import seed_annuaire
from sas.commands import DataCommand

from ._bilan import bilan_import


class Command(DataCommand):
    help = "Crée ou met à jour le catalogue de démonstration (métropole de Lyon). Simulation sans --wet-run."
    wet_run_help = "enregistrer (sinon simulation)"
    atomique = True

    def agir(self, *, wet_run):
        rapport = seed_annuaire(wet_run=wet_run)
        bilan = bilan_import(rapport)
        if rapport.rejets:
            bilan.echec = "Le catalogue de démonstration contient des lignes invalides."
        return bilan
