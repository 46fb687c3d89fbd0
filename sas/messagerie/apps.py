from django.apps import AppConfig


class MessagerieConfig(AppConfig):
    name = "sas.messagerie"
    verbose_name = "Messagerie"
