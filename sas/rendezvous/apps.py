from django.apps import AppConfig


class RendezvousConfig(AppConfig):
    name = "sas.rendezvous"
    verbose_name = "Rendez-vous"
