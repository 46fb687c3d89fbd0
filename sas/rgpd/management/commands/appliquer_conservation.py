from sas.commands import Bilan, DataCommand
from sas.rgpd.conservation import appliquer


class Command(DataCommand):
    help = (
        "Anonymise les jeunes sans contact depuis SAS_RETENTION_DAYS et vide les fichiers importés aussi anciens ; "
        "supprime le journal d'audit et les tentatives de connexion plus anciens que SAS_AUDIT_RETENTION_DAYS, "
        "les clés d'idempotence de l'API plus anciennes que SAS_IDEMPOTENCY_RETENTION_HOURS (à lancer chaque jour)."
    )

    def agir(self, *, wet_run, **options):
        fait = appliquer(wet_run=wet_run)
        return (
            Bilan()
            .compter(fait.jeunes, "jeune(s) anonymisé(s)")
            .compter(fait.fichiers, "fichier(s) importé(s) vidé(s)")
            .compter(fait.audit, "entrée(s) du journal d'audit supprimée(s)")
            .compter(fait.connexions, "tentative(s) de connexion supprimée(s)")
            .compter(fait.idempotence, "clé(s) d'idempotence de l'API supprimée(s)")
        )
