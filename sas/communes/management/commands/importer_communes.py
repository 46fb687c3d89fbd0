from sas.commands import Bilan, DataCommand
from sas.communes.services import import_communes


class Command(DataCommand):
    help = "Charge le référentiel des communes et départements (INSEE COG) vendu dans sas/communes/data."
    wet_run_help = "écrire en base (sinon simulation)"
    atomique = True

    def agir(self, *, wet_run):
        report = import_communes(wet_run=wet_run)
        return (
            Bilan()
            .compter(report.departements, "départements")
            .compter(report.communes_created, "communes créées")
            .compter(report.communes_updated, "communes mises à jour")
        )
