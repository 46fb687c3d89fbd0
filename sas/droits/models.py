from django.db import models
from django.utils import timezone


class Estimation(models.Model):
    """One screening of a diagnostic's rights: what was sent to OpenFisca, when, with which version, and what it
    answered. Kept as it was computed; a new screening is a new row."""

    diagnostic = models.ForeignKey("diagnostic.Diagnostic", on_delete=models.CASCADE, related_name="estimations")
    mois = models.CharField("mois estimé", max_length=7)
    entrees = models.JSONField("situation envoyée")
    reponse = models.JSONField("réponse d'OpenFisca", null=True, blank=True)
    version_openfisca = models.CharField("version d'OpenFisca-France", max_length=40, blank=True)
    erreur = models.TextField("erreur", blank=True)
    calculee_le = models.DateTimeField("calculée le", default=timezone.now)

    class Meta:
        ordering = ["-calculee_le", "-pk"]
        get_latest_by = ["calculee_le", "pk"]

    def __str__(self):
        return f"Estimation des droits du {self.calculee_le:%d/%m/%Y} ({self.mois})"

    @property
    def disponible(self):
        return self.reponse is not None
