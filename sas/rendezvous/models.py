from django.conf import settings
from django.db import models
from django.utils import timezone


class Modalite(models.TextChoices):
    PRESENTIEL = "presentiel", "En présentiel"
    TELEPHONE = "telephone", "Par téléphone"
    VISIO = "visio", "En visioconférence"


class Creneau(models.Model):
    """A time slot a counsellor publishes; the young person (or the counsellor for them) books it."""

    conseiller = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="conseiller", on_delete=models.CASCADE, related_name="creneaux"
    )
    # The SAS team the slot is offered by: its territory decides who may book it.
    organisation = models.ForeignKey(
        "organisations.Organisation", verbose_name="équipe", on_delete=models.CASCADE, related_name="creneaux"
    )
    debut = models.DateTimeField("début")
    fin = models.DateTimeField("fin")
    modalite = models.CharField("modalité", max_length=20, choices=Modalite.choices)
    lieu = models.CharField(
        "lieu, lien ou consigne",
        max_length=300,
        help_text="Adresse, lien de visioconférence ou « vous serez appelé·e »",
    )
    created_at = models.DateTimeField("publié le", default=timezone.now, editable=False)
    # A withdrawn slot that held a cancelled appointment is kept, so that the appointment's history stays whole.
    retire_le = models.DateTimeField("retiré le", null=True, blank=True)

    class Meta:
        verbose_name = "créneau"
        ordering = ["debut", "pk"]
        indexes = [models.Index(fields=["organisation", "debut"]), models.Index(fields=["conseiller", "debut"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(fin__gt=models.F("debut")), name="creneau_fin_apres_debut"),
            models.UniqueConstraint(
                fields=["conseiller", "debut"], condition=models.Q(retire_le=None), name="creneau_unique_par_conseiller"
            ),
        ]

    def __str__(self):
        debut = timezone.localtime(self.debut)
        return f"{debut:%d/%m/%Y} à {debut:%H:%M} ({self.get_modalite_display().lower()})"


class RendezVousStatus(models.TextChoices):
    CONFIRME = "confirme", "Confirmé"
    HONORE = "honore", "Honoré"
    MANQUE = "manque", "Manqué"
    ANNULE = "annule", "Annulé"


class PrisPar(models.TextChoices):
    JEUNE = "jeune", "Le jeune"
    CONSEILLER = "conseiller", "Le conseiller"


class RendezVous(models.Model):
    """An appointment of a journey on a slot. A slot holds one appointment that is not cancelled."""

    creneau = models.ForeignKey(Creneau, verbose_name="créneau", on_delete=models.PROTECT, related_name="rendez_vous")
    parcours = models.ForeignKey("parcours.Parcours", on_delete=models.CASCADE, related_name="rendez_vous")
    status = models.CharField(
        "statut", max_length=20, choices=RendezVousStatus.choices, default=RendezVousStatus.CONFIRME
    )
    pris_par = models.CharField("pris par", max_length=20, choices=PrisPar.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="réservé par", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The first appointment of the journey (cancelled ones aside): its no-show rate is the one measured.
    premier = models.BooleanField("premier rendez-vous", default=False)
    created_at = models.DateTimeField("pris le", default=timezone.now, editable=False)
    status_changed_at = models.DateTimeField("statut depuis", default=timezone.now)

    class Meta:
        verbose_name = "rendez-vous"
        verbose_name_plural = "rendez-vous"
        ordering = ["creneau__debut", "pk"]
        constraints = [
            # Two bookings of the same slot cannot both succeed, whatever the timing: the database refuses.
            models.UniqueConstraint(
                fields=["creneau"],
                condition=~models.Q(status=RendezVousStatus.ANNULE),
                name="rendezvous_un_actif_par_creneau",
            )
        ]

    def __str__(self):
        return f"Rendez-vous du {self.creneau} ({self.get_status_display().lower()})"
