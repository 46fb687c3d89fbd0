from django.apps import AppConfig


class DroitsConfig(AppConfig):
    name = "sas.droits"
    verbose_name = "Droits (non-recours)"

    def ready(self):
        from sas.diagnostic.signals import reponses_enregistrees

        from .tasks import estimer_apres_enregistrement

        reponses_enregistrees.connect(estimer_apres_enregistrement, dispatch_uid="droits.estimer")
