from django.apps import AppConfig
from django.conf import settings


class SuiviConfig(AppConfig):
    name = "sas.suivi"
    verbose_name = "Suivi après la prise en charge"

    def ready(self):
        # Models are loaded only now: the modules registered import them.
        from sas.espace_jeune import actions
        from sas.messagerie import liens

        from .action_jeune import action_suivi
        from .services import NATURE_LIEN, RenduLienSuivi, valider_reglages

        valider_reglages(settings.SAS_SUIVI_MOIS, settings.SAS_SUIVI_RELANCES_JOURS)
        liens.enregistrer(NATURE_LIEN, RenduLienSuivi())
        actions.fournir(action_suivi)
