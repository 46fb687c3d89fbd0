from django.apps import AppConfig


class RgpdConfig(AppConfig):
    name = "sas.rgpd"
    verbose_name = "Droits des jeunes et conservation"
    default_auto_field = "django.db.models.BigAutoField"
