from sas.commands import RapportCommand
from sas.communes.services import import_communes


class Command(RapportCommand):
    help = "Charge le référentiel des communes et départements (INSEE COG) vendu dans sas/communes/data."
    wet_run_help = "écrire en base (sinon simulation)"
    atomique = True
    rapport = staticmethod(import_communes)
    comptes = {
        "departements": "départements",
        "communes_created": "communes créées",
        "communes_updated": "communes mises à jour",
    }
