from django.apps import AppConfig


class ConnexionConfig(AppConfig):
    name = "sas.connexion"
    verbose_name = "Connexion des professionnels"

    def ready(self):
        # Models are loaded only now: the module registered imports them.
        from sas.messagerie import liens

        from .services import NATURE_LIEN, RenduLienReinitialisation

        liens.enregistrer(NATURE_LIEN, RenduLienReinitialisation())
