from django.apps import AppConfig


class AiguillageConfig(AppConfig):
    name = "sas.aiguillage"
    verbose_name = "Aiguillage"

    def ready(self):
        # Models are loaded only now: the services module imports them.
        from sas.messagerie.webhooks import reponse_recue
        from sas.prescription.signals import signalements_enregistres

        from .cadence import premier_contact
        from .conversation import reponse_par_sms

        reponse_recue.connect(reponse_par_sms, dispatch_uid="aiguillage.reponse_par_sms")
        signalements_enregistres.connect(premier_contact, dispatch_uid="aiguillage.premier_contact")
