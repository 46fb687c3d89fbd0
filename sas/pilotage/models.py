from django.db import models

from sas.parcours.models import Parcours


class Synthese(models.Model):
    """One row per journey: what the dashboard counts of it, whatever the day (the dates its targets fall due and
    whether each was met), rewritten by `donnees.rafraichir()` as soon as one of its records is written, so that
    the dashboard adds rows up in the database instead of reading every event."""

    parcours = models.OneToOneField(Parcours, on_delete=models.CASCADE, primary_key=True, related_name="+")
    territory = models.ForeignKey("organisations.Territory", on_delete=models.CASCADE, related_name="+")
    departement = models.CharField(max_length=3, blank=True)
    epci = models.CharField(max_length=9, blank=True)
    signale_le = models.DateTimeField()
    mois = models.CharField(max_length=7)  # local month of the signalement, "AAAA-MM"
    source = models.CharField(max_length=12)  # a key of indicateurs.SOURCES
    # The prescribing organisation's id: a key to count distinct prescribers, not a link (it outlives nothing).
    organisation_id = models.PositiveIntegerField(null=True)
    type_prescripteur = models.CharField(max_length=30, blank=True)
    tranche_age = models.CharField(max_length=5, blank=True)
    sexe = models.CharField(max_length=1, blank=True)
    qpv = models.BooleanField(null=True)
    sortie_a_venir = models.BooleanField(default=False)
    rencontre = models.BooleanField(default=False)
    etape = models.PositiveSmallIntegerField(default=0)  # furthest stage of indicateurs.ETAPES up to the take-up
    limite_premier_essai = models.DateTimeField(null=True)  # None while the targets' clock has not started
    premier_essai_a_temps = models.BooleanField(default=False)
    limite_contact = models.DateTimeField(null=True)
    contact_a_temps = models.BooleanField(default=False)
    injoignable = models.BooleanField(default=False)
    limite_diagnostic = models.DateTimeField(null=True)
    diagnostic_a_temps = models.BooleanField(default=False)
    delai_contact = models.FloatField(null=True)  # days from the start of the clock to the contact
    # 1, 3 and 6 months after the first take-up, and whether the journey was (or, for a day still to come, is so
    # far) still supported then.
    suivi_1_le = models.DateTimeField(null=True)
    accompagne_1 = models.BooleanField(default=False)
    suivi_3_le = models.DateTimeField(null=True)
    accompagne_3 = models.BooleanField(default=False)
    suivi_6_le = models.DateTimeField(null=True)
    accompagne_6 = models.BooleanField(default=False)
    sortie_positive = models.BooleanField(default=False)
    sortie_nature = models.CharField(max_length=30, blank=True)
    droits_estimes = models.BooleanField(default=False)
    droit_probable = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["territory", "signale_le"], name="synthese_territoire"),
            models.Index(fields=["departement", "signale_le"], name="synthese_departement"),
        ]

    def __str__(self):
        return f"Synthèse du parcours {self.parcours_id}"
