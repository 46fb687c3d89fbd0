from django.apps import AppConfig


class PilotageConfig(AppConfig):
    name = "sas.pilotage"
    verbose_name = "Pilotage"

    def ready(self):
        from . import signals

        signals.connecter()
