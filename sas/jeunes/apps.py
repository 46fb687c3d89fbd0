from django.apps import AppConfig


class JeunesConfig(AppConfig):
    name = "sas.jeunes"
    verbose_name = "Jeunes"
