from django.apps import AppConfig


class AiguillageConfig(AppConfig):
    name = "sas.aiguillage"
    verbose_name = "Aiguillage"
