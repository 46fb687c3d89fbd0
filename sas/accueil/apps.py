from django.apps import AppConfig
from django.core import checks


class AccueilConfig(AppConfig):
    name = "sas.accueil"
    verbose_name = "Accueil"

    def ready(self):
        from sas.limites import verifier_cache

        checks.register(verifier_cache, checks.Tags.caches)
