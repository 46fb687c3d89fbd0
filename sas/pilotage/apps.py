from django.apps import AppConfig


class PilotageConfig(AppConfig):
    name = "sas.pilotage"
    verbose_name = "Pilotage"
