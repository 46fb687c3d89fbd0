from django.apps import AppConfig


class OrientationConfig(AppConfig):
    name = "sas.orientation"
    verbose_name = "Orientation (relai)"
