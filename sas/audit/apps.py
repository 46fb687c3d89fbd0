from django.apps import AppConfig
from django.db.backends.signals import connection_created


class AuditConfig(AppConfig):
    name = "sas.audit"
    verbose_name = "Journal d'audit"

    def ready(self):
        from .ajout_seul import enregistrer_fonction

        connection_created.connect(enregistrer_fonction, dispatch_uid="sas_purge_autorisee")
