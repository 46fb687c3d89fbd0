from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "sas.organisations"
    verbose_name = "Organisations et comptes"
