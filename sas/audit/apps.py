from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sas.audit"
    verbose_name = "Journal d'audit"
