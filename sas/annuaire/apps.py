from django.apps import AppConfig


class AnnuaireConfig(AppConfig):
    name = "sas.annuaire"
    verbose_name = "Annuaire"
