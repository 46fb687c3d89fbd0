from sas.commands import Bilan, DataCommand
from sas.parcours.models import Parcours
from sas.pilotage import donnees

# Journeys read at a time: their records fit in memory whatever the base.
LOT = 2000


class Command(DataCommand):
    help = (
        "Vérifie la synthèse de chaque parcours, que le tableau de bord des pilotes additionne : écrit celles qui "
        "manquent et réécrit celles qui ne sont plus ce que donnent les enregistrements du parcours (un écrivain "
        "qui aurait contourné les signaux)."
    )
    wet_run_help = "écrire les synthèses manquantes ou périmées (sinon simulation)"

    def agir(self, *, wet_run, **options):
        verifies, manquantes, perimees, dernier = 0, 0, 0, 0
        while lot := list(Parcours.objects.filter(pk__gt=dernier).order_by("pk").values_list("pk", flat=True)[:LOT]):
            dernier = lot[-1]
            manque, perime = donnees.a_reecrire(Parcours.objects.filter(pk__in=lot))
            if wet_run:
                donnees.enregistrer(manque | perime)
            verifies, manquantes, perimees = verifies + len(lot), manquantes + len(manque), perimees + len(perime)
        return (
            Bilan()
            .compter(verifies, "parcours vérifié(s)")
            .compter(manquantes, f"synthèse(s) manquante(s) {'écrite(s)' if wet_run else 'à écrire'}")
            .compter(perimees, f"synthèse(s) périmée(s) {'réécrite(s)' if wet_run else 'à réécrire'}")
        )
