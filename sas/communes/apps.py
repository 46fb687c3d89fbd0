from django.apps import AppConfig


class CommunesConfig(AppConfig):
    name = "sas.communes"
    verbose_name = "Communes"
