from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sas.api"
    verbose_name = "API"
