from sas.commands import RapportCommand
from sas.rgpd.conservation import appliquer


class Command(RapportCommand):
    help = (
        "Anonymise les jeunes sans contact depuis SAS_RETENTION_DAYS et vide les fichiers importés aussi anciens ; "
        "supprime le journal d'audit et les tentatives de connexion plus anciens que SAS_AUDIT_RETENTION_DAYS, "
        "les clés d'idempotence de l'API plus anciennes que SAS_IDEMPOTENCY_RETENTION_HOURS (à lancer chaque jour)."
    )
    rapport = staticmethod(appliquer)
    comptes = {
        "jeunes": "jeune(s) anonymisé(s)",
        "fichiers": "fichier(s) importé(s) vidé(s)",
        "audit": "entrée(s) du journal d'audit supprimée(s)",
        "connexions": "tentative(s) de connexion supprimée(s)",
        "idempotence": "clé(s) d'idempotence de l'API supprimée(s)",
    }
