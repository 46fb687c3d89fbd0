from sas.commands import Bilan, DataCommand
from sas.communes.services import DATA_DIR, build_reference, write_reference


class Command(DataCommand):
    help = (
        "Refait le référentiel vendu dans sas/communes/data à partir des fichiers du découpage administratif "
        "d'Etalab (dossier data/ du paquet npm @etalab/decoupage-administratif) et de la compilation statistique "
        "des communes (coordonnées, population). Lancer ensuite importer_communes --wet-run."
    )
    wet_run_help = "écrire les fichiers (sinon simulation)"

    def ajouter_arguments(self, parser):
        parser.add_argument("decoupage", help="dossier contenant communes.json, epci.json, departements.json…")
        parser.add_argument("coordonnees", help="communes.csv de la compilation statistique (lat, lng, population)")

    def agir(self, *, wet_run, decoupage, coordonnees, **options):
        files = build_reference(decoupage, coordonnees)
        if wet_run:
            write_reference(files)
        bilan = Bilan(lignes=[f"Dossier : {DATA_DIR}"])
        for name, (_columns, rows) in files.items():
            bilan.compter(len(rows), f"lignes dans {name}")
        return bilan
