from django.apps import AppConfig


class EspaceJeuneConfig(AppConfig):
    name = "sas.espace_jeune"
    verbose_name = "Espace du jeune"

    def ready(self):
        # Models are loaded only now: the provider module imports them.
        from sas.messagerie import liens as messagerie_liens

        from .liens import FournisseurLienJeune

        messagerie_liens.fournir_lien_jeune(FournisseurLienJeune())
