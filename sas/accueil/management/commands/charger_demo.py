from django.conf import settings
from django.core.management.base import CommandError

from sas.accueil.demo import DEMO_PASSWORD, seed
from sas.commands import Bilan, DataCommand


class Command(DataCommand):
    help = "Crée le territoire de démonstration (Rhône et Métropole de Lyon). Simulation sans --wet-run."
    wet_run_help = "écrire en base (sinon simulation)"
    erreurs = (RuntimeError,)
    atomique = True
    simulation_annulee = True

    def ajouter_arguments(self, parser):
        parser.add_argument("--people", type=int, default=300, help="nombre de jeunes à créer")

    def agir(self, *, wet_run, people):
        if not (settings.SAS_DEMO or settings.DEBUG):
            raise CommandError("Données de démonstration refusées : activez SAS_DEMO=1 (jamais en production).")
        report = seed(wet_run=wet_run, people=people)
        bilan = Bilan().compter(report.organisations, "organisations créées").compter(report.users, "comptes créés")
        if report.skipped_people:
            bilan.lignes.append("Jeunes déjà présents, aucun ajouté.")
        else:
            (
                bilan.compter(report.parcours, "parcours créés")
                .compter(report.events, "événements écrits")
                .compter(report.creneaux, "créneaux de rendez-vous publiés")
                .compter(report.messages, "messages de premier contact")
                .compter(report.orientations, "orientations envoyées")
            )
        bilan.lignes.append(f"Mot de passe des comptes de démonstration : {DEMO_PASSWORD}")
        return bilan
