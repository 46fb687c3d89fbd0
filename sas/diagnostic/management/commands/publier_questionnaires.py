from sas.commands import Bilan, DataCommand
from sas.diagnostic.chargement import publier
from sas.diagnostic.models import Questionnaire


class Command(DataCommand):
    help = "Publie les versions du questionnaire de diagnostic absentes de la base. Simulation sans --wet-run."
    wet_run_help = "publier (sinon simulation)"
    atomique = True

    def agir(self, *, wet_run):
        lines = publier(Questionnaire, wet_run=wet_run)
        deja = sum(line.endswith("déjà publiée.") for line in lines)
        nouvelles = "version(s) publiée(s)" if wet_run else "version(s) à publier"
        return Bilan(lignes=lines).compter(len(lines) - deja, nouvelles).compter(deja, "version(s) déjà publiée(s)")
