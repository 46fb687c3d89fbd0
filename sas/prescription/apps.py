from django.apps import AppConfig


class PrescriptionConfig(AppConfig):
    name = "sas.prescription"
    verbose_name = "Prescription"
