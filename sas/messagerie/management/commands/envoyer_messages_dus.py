from sas.commands import Bilan, DataCommand
from sas.messagerie.envoi import envoyer_dus


class Command(DataCommand):
    help = (
        "Envoie les messages dont l'heure est passée et renvoie ceux qu'un processus interrompu a laissés « en cours »"
        " (le prestataire ignore le doublon grâce à la clé du message). Simulation sans --wet-run."
    )
    wet_run_help = "envoyer (sinon simulation)"

    def agir(self, *, wet_run):
        bloques, dus, bilan = envoyer_dus(wet_run=wet_run)
        lignes = [f"  {status} : {nombre}" for status, nombre in sorted(bilan.items(), key=lambda item: str(item[0]))]
        return (
            Bilan(lignes=lignes)
            .compter(len(dus), "message(s) dû(s)")
            .compter(len(bloques), "message(s) interrompu(s) à reprendre")
        )
