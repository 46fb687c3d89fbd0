"""What a young person asks of SAS about their own data (GDPR articles 15 to 21): a change of contact details waiting
for its code, an erasure request, a complaint. Each is answered by a counsellor of the territory, within a delay the
young person is shown."""

from datetime import timedelta

from django.db import models
from django.utils import timezone

# GDPR article 12: an answer within one month.
DELAI_REPONSE = timedelta(days=30)


class Via(models.TextChoices):
    PAGE = "page", "Depuis sa page personnelle"
    COURRIER = "courrier", "Par courrier ou en personne, auprès du conseiller"


class CanalCoordonnee(models.TextChoices):
    SMS = "sms", "Téléphone"
    EMAIL = "email", "Adresse électronique"


class ChangementCoordonnee(models.Model):
    """A new phone or e-mail typed by the young person: used only once the code sent to it came back."""

    parcours = models.ForeignKey("parcours.Parcours", on_delete=models.CASCADE, related_name="+")
    lien = models.ForeignKey("espace_jeune.LienJeune", on_delete=models.CASCADE, related_name="+")
    canal = models.CharField("canal", max_length=10, choices=CanalCoordonnee.choices)
    valeur = models.CharField("nouvelle coordonnée", max_length=254)
    demande_le = models.DateTimeField("demandé le", default=timezone.now)
    confirme_le = models.DateTimeField("confirmé le", null=True, blank=True)

    class Meta:
        verbose_name = "changement de coordonnées"
        verbose_name_plural = "changements de coordonnées"
        ordering = ["-demande_le", "-pk"]

    def __str__(self):
        return f"{self.get_canal_display()} du {self.demande_le:%d/%m/%Y}"


class DemandeEffacement(models.Model):
    parcours = models.ForeignKey("parcours.Parcours", on_delete=models.CASCADE, related_name="demandes_effacement")
    via = models.CharField("reçue", max_length=10, choices=Via.choices, default=Via.PAGE)
    demandee_le = models.DateTimeField("demandée le", default=timezone.now)
    traitee_le = models.DateTimeField("effacement fait le", null=True, blank=True)
    traitee_par = models.ForeignKey(
        "organisations.User", verbose_name="traitée par", on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        verbose_name = "demande d'effacement"
        verbose_name_plural = "demandes d'effacement"
        ordering = ["demandee_le", "pk"]

    def __str__(self):
        return f"Demande d'effacement du {self.demandee_le:%d/%m/%Y}"

    @property
    def repondre_avant(self):
        return self.demandee_le + DELAI_REPONSE


class Reclamation(models.Model):
    parcours = models.ForeignKey("parcours.Parcours", on_delete=models.CASCADE, related_name="reclamations")
    texte = models.TextField("réclamation")
    deposee_le = models.DateTimeField("déposée le", default=timezone.now)
    reponse = models.TextField("réponse", blank=True)
    repondue_le = models.DateTimeField("répondue le", null=True, blank=True)
    repondue_par = models.ForeignKey(
        "organisations.User", verbose_name="répondue par", on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        verbose_name = "réclamation"
        ordering = ["deposee_le", "pk"]

    def __str__(self):
        return f"Réclamation du {self.deposee_le:%d/%m/%Y}"

    @property
    def repondre_avant(self):
        return self.deposee_le + DELAI_REPONSE
