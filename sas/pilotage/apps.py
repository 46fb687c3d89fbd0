from django.apps import AppConfig
from django.db.backends.signals import connection_created


class PilotageConfig(AppConfig):
    name = "sas.pilotage"
    verbose_name = "Pilotage"

    def ready(self):
        from . import signals
        from .donnees import enregistrer_centile

        signals.connecter()
        connection_created.connect(enregistrer_centile, dispatch_uid="pilotage-percentile-cont")
