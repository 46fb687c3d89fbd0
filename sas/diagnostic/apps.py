from django.apps import AppConfig


class DiagnosticConfig(AppConfig):
    name = "sas.diagnostic"
    verbose_name = "Diagnostic"
