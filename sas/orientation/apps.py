from django.apps import AppConfig


class OrientationConfig(AppConfig):
    name = "sas.orientation"
    verbose_name = "Orientation (relai)"

    def ready(self):
        # Models are loaded only now: the modules registered import them.
        from sas.espace_jeune import actions
        from sas.messagerie import liens

        from .action_jeune import action_orientation
        from .retrait import NATURE_AVIS, RenduAvisAnnulation
        from .services import NATURE_LIEN, RenduLienStructure

        liens.enregistrer(NATURE_LIEN, RenduLienStructure())
        liens.enregistrer(NATURE_AVIS, RenduAvisAnnulation())
        actions.fournir(action_orientation)
