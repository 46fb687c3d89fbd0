from django.db import models
from django.utils import timezone

AGE_MIN, AGE_MAX = 15, 29


class TrancheAge(models.TextChoices):
    T15_17 = "15-17", "15 à 17 ans"
    T18_21 = "18-21", "18 à 21 ans"
    T22_25 = "22-25", "22 à 25 ans"
    T26_29 = "26-29", "26 à 29 ans"


class Sexe(models.TextChoices):
    FEMME = "f", "Femme"
    HOMME = "h", "Homme"


class Jeune(models.Model):
    prenom = models.CharField("prénom", max_length=100)
    nom = models.CharField("nom", max_length=100, blank=True)
    date_naissance = models.DateField("date de naissance", null=True, blank=True)
    tranche_age = models.CharField("tranche d'âge", max_length=5, choices=TrancheAge.choices, blank=True)
    telephone = models.CharField("téléphone", max_length=20, blank=True, help_text="format E.164")
    email = models.EmailField("adresse électronique", blank=True)
    adresse = models.TextField("adresse postale", blank=True)
    joignable_via_prescripteur = models.BooleanField("joignable par l'intermédiaire du prescripteur", default=False)
    # Empty once anonymised: only the département is kept.
    commune = models.ForeignKey("communes.Commune", on_delete=models.PROTECT, related_name="+", null=True)
    departement = models.CharField("département", max_length=3, blank=True)
    # Only what the young person or their counsellor said, never guessed from a first name or an address: the
    # pilots' breakdowns count "non renseigné" apart.
    sexe = models.CharField("sexe", max_length=1, choices=Sexe.choices, blank=True)
    qpv = models.BooleanField("habite un quartier prioritaire de la ville (QPV)", null=True, blank=True)
    # What the young person chose on their page (the prescriber's guess stays on the signalement).
    canal_prefere = models.CharField("canal préféré", max_length=20, blank=True)
    moments_preferes = models.CharField("moments préférés", max_length=200, blank=True)
    # STOP (by SMS or link) is final; a pause is set by the counsellor or the young person.
    messages_arretes_le = models.DateTimeField("messages arrêtés le", null=True, blank=True)
    messages_en_pause_jusqu_au = models.DateTimeField("messages en pause jusqu'au", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    anonymised_at = models.DateTimeField("anonymisé le", null=True, blank=True)

    class Meta:
        verbose_name = "jeune"
        indexes = [models.Index(fields=["telephone"]), models.Index(fields=["email"])]

    def __str__(self):
        return " ".join(part for part in [self.prenom, self.nom] if part)

    def age(self, on=None):
        if self.date_naissance is None:
            return None
        return age_on(self.date_naissance, on or timezone.localdate())


class Purpose(models.TextChoices):
    ACCOMPAGNEMENT = "accompagnement", "Être recontacté et accompagné par l'équipe SAS"
    TRANSMISSION = "transmission", "Transmission à une structure d'accompagnement"
    RETOUR_PRESCRIPTEUR = "retour_prescripteur", "Informer la structure qui a signalé"


class DataCategory(models.TextChoices):
    IDENTITE = "identite", "Identité"
    COORDONNEES = "coordonnees", "Coordonnées"
    SITUATION = "situation", "Situation décrite au signalement"
    DIAGNOSTIC = "diagnostic", "Contenu du diagnostic"


class CollectionMethod(models.TextChoices):
    ORAL = "oral", "À l'oral avec un professionnel"
    LIEN_SIGNE = "lien_signe", "Par le lien personnel du jeune"
    FORMULAIRE_PRESCRIPTEUR = "formulaire_prescripteur", "Déclaré par le prescripteur"
    FORMULAIRE_PUBLIC = "formulaire_public", "Formulaire public"


class ConsentQuerySet(models.QuerySet):
    def active(self, at=None):
        at = at or timezone.now()
        return self.filter(collected_at__lte=at).exclude(withdrawn_at__lte=at)


class Consent(models.Model):
    """What the young person agreed to share, with whom, and how we know it."""

    jeune = models.ForeignKey(Jeune, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField("finalité", max_length=30, choices=Purpose.choices)
    categories = models.JSONField("données couvertes", default=list)
    organisations = models.ManyToManyField(
        "organisations.Organisation", verbose_name="destinataires", related_name="consents", blank=True
    )
    # Receiving structures of the directory (a referral goes to them only under a consent naming them).
    structures = models.ManyToManyField(
        "annuaire.Structure", verbose_name="structures destinataires", related_name="consents", blank=True
    )
    collected_by = models.ForeignKey(
        "organisations.User", verbose_name="recueilli par", on_delete=models.SET_NULL, null=True, blank=True
    )
    collected_via = models.CharField("recueilli", max_length=30, choices=CollectionMethod.choices)
    collected_at = models.DateTimeField("recueilli le", default=timezone.now)
    withdrawn_at = models.DateTimeField("retiré le", null=True, blank=True)
    # Who recorded the withdrawal (none: the young person on their page) and how it was expressed.
    withdrawn_by = models.ForeignKey(
        "organisations.User",
        verbose_name="retiré par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_via = models.CharField("retiré", max_length=30, choices=CollectionMethod.choices, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = "consentement"
        ordering = ["collected_at"]

    def __str__(self):
        return f"{self.get_purpose_display()} — {self.jeune}"

    def withdraw(self, at=None, *, by=None, via=""):
        if self.withdrawn_at is None:
            self.withdrawn_at, self.withdrawn_by, self.withdrawn_via = at or timezone.now(), by, via
            self.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_via"])

    def withdraw_for(self, structure, at=None, *, by=None, via=""):
        """Withdraw this consent for `structure` only. When it names other recipients too, they keep an identical
        consent dated from the original agreement: a consent is a record of what was agreed when, so it is never
        edited, and what any recipient could receive at any past moment stays exact. Returns that copy or None."""
        at = at or timezone.now()
        structures = [s for s in self.structures.all() if s.pk != structure.pk]
        organisations = list(self.organisations.all())
        self.withdraw(at, by=by, via=via)
        if not structures and not organisations:
            return None
        copy = Consent.objects.create(
            jeune_id=self.jeune_id,
            purpose=self.purpose,
            categories=self.categories,
            collected_by_id=self.collected_by_id,
            collected_via=self.collected_via,
            collected_at=self.collected_at,
        )
        copy.structures.set(structures)
        copy.organisations.set(organisations)
        return copy


def may_receive(jeune, recipient, category, at=None):
    """May `recipient` (an organisation, or a structure of the directory) receive data of `category` about `jeune`
    at `at` (now by default)?

    True only if a consent active at that moment names the recipient and covers the category.
    """
    field = "structures" if recipient._meta.label == "annuaire.Structure" else "organisations"
    consents = jeune.consents.active(at).filter(**{field: recipient}).only("categories")
    return any(category in consent.categories for consent in consents)


def age_on(date_naissance, on):
    return on.year - date_naissance.year - ((on.month, on.day) < (date_naissance.month, date_naissance.day))
