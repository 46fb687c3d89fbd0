from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from sas.audit.models import AppendOnly

from . import definition as qdef


class QuestionnaireQuerySet(models.QuerySet):
    def publies(self, at=None):
        return self.filter(published_at__lte=at or timezone.now())


class Questionnaire(models.Model):
    """One published version of the diagnostic questionnaire. Never edited: a change is a new version, so every
    diagnostic keeps being read with the questions it was answered under."""

    version = models.PositiveIntegerField("version", unique=True)
    titre = models.CharField("titre", max_length=200)
    definition = models.JSONField("définition")
    published_at = models.DateTimeField("publié le", null=True, blank=True)

    objects = QuestionnaireQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        verbose_name = "questionnaire de diagnostic"
        verbose_name_plural = "questionnaires de diagnostic"

    def __str__(self):
        return f"{self.titre} (v{self.version})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = Questionnaire.objects.filter(pk=self.pk).values_list("definition", flat=True).first()
            if stored is not None and stored != self.definition:
                raise ValueError("Un questionnaire publié ne se modifie pas : publiez une nouvelle version.")
        super().save(*args, **kwargs)

    def clean(self):
        errors = qdef.valider_definition(self.definition)
        if not errors and self.definition["version"] != self.version:
            errors.append("La version de la définition diffère de celle du questionnaire.")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def courant(cls, at=None):
        """The latest published version: the one new diagnostics use."""
        return cls.objects.publies(at).order_by("-version").first()

    @property
    def questions(self):
        return qdef.questions(self.definition)

    @property
    def sections(self):
        return qdef.sections(self.definition)


class DiagnosticStatus(models.TextChoices):
    BROUILLON = "brouillon", "En cours"
    TERMINE = "termine", "Terminé"


class ValidationJeune(models.TextChoices):
    VALIDE = "valide", "Validé par le jeune"
    ANNOTE = "annote", "Annoté par le jeune"


class Diagnostic(models.Model):
    """The diagnostic interview of one journey, answered under one questionnaire version."""

    parcours = models.ForeignKey("parcours.Parcours", on_delete=models.CASCADE, related_name="diagnostics")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="diagnostics")
    reponses = models.JSONField("réponses", default=dict, blank=True)
    # What the young person typed on their page, kept as they wrote it.
    reponses_jeune = models.JSONField("réponses préparées par le jeune", default=dict, blank=True)
    # {question code: "jeune" | "prescripteur" | "profil"} for answers not typed by the counsellor yet.
    prerempli = models.JSONField("pré-rempli", default=dict, blank=True)
    status = models.CharField(
        "statut", max_length=20, choices=DiagnosticStatus.choices, default=DiagnosticStatus.BROUILLON
    )
    conseiller = models.ForeignKey(
        "organisations.User", verbose_name="conseiller", on_delete=models.SET_NULL, null=True, blank=True
    )
    started_at = models.DateTimeField("commencé le", default=timezone.now)
    updated_at = models.DateTimeField("mis à jour le", default=timezone.now)
    completed_at = models.DateTimeField("terminé le", null=True, blank=True)
    derniere_section = models.CharField("dernière section enregistrée", max_length=50, blank=True)
    # A high dropout risk: the young person is to be oriented at once.
    orientation_immediate = models.BooleanField("orientation immédiate", default=False, db_index=True)
    # Synthesis and action plan. None: the counsellor has not chosen yet, every need found is retained.
    besoins_retenus = models.JSONField("besoins retenus", null=True, blank=True)
    synthese = models.TextField("synthèse du conseiller", blank=True)
    objectifs = models.TextField("objectifs", blank=True)
    actions = models.TextField("qui fait quoi", blank=True)
    prochain_rdv_le = models.DateTimeField("prochain rendez-vous", null=True, blank=True)
    contact_conseiller = models.CharField("contact du conseiller", max_length=300, blank=True)
    # The young person's validation; their observation stays beside the counsellor's synthesis.
    validation_jeune = models.CharField(
        "validation du jeune", max_length=20, choices=ValidationJeune.choices, blank=True
    )
    observation_jeune = models.TextField("observation du jeune", blank=True)
    valide_le = models.DateTimeField("validé ou annoté le", null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["parcours"], condition=models.Q(status="brouillon"), name="un_diagnostic_en_cours_par_parcours"
            )
        ]

    def __str__(self):
        return f"Diagnostic du parcours {self.parcours_id} ({self.get_status_display()})"

    @property
    def termine(self):
        return self.status == DiagnosticStatus.TERMINE

    def progression(self):
        """[(section, answered, total)] for the section list."""
        return [
            (
                section,
                sum(not qdef.is_empty(self.reponses.get(q["code"])) for q in section["questions"]),
                len(section["questions"]),
            )
            for section in self.questionnaire.sections
        ]


class DiagnosticEvent(AppendOnly):
    """Append-only log of a diagnostic's status: opened, then completed."""

    diagnostic = models.ForeignKey(Diagnostic, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField("de", max_length=20, choices=DiagnosticStatus.choices, blank=True)
    to_status = models.CharField("vers", max_length=20, choices=DiagnosticStatus.choices)
    actor = models.ForeignKey("organisations.User", on_delete=models.SET_NULL, null=True, blank=True)
    occurred_at = models.DateTimeField("date")

    class Meta:
        verbose_name = "événement de diagnostic"
        ordering = ["occurred_at", "pk"]

    def __str__(self):
        return f"{self.get_from_status_display() or '∅'} → {self.get_to_status_display()}"
