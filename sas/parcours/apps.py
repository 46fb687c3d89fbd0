from django.apps import AppConfig


class ParcoursConfig(AppConfig):
    name = "sas.parcours"
    verbose_name = "Parcours"
