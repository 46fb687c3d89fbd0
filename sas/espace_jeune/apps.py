from django.apps import AppConfig


class EspaceJeuneConfig(AppConfig):
    name = "sas.espace_jeune"
    verbose_name = "Espace du jeune"
