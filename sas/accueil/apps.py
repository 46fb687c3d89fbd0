from django.apps import AppConfig


class AccueilConfig(AppConfig):
    name = "sas.accueil"
    verbose_name = "Accueil"
