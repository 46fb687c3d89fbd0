"""Structures and services of the directory, in the data·inclusion schema (v1).

Field names follow the schema so that import and export are a plain mapping; `identifiant` holds the schema's
`id`; free texts are stored as plain text (schema.texte_brut). Fields below "SAS" are ours: derived at import for
matching (never exported), read from the older schema's fields (suspension), or, for the age limits that the schema
does not have, set in the admin (hard limits) apart from the ages the text mentions (hints, never limits).
"""

from django.core.exceptions import ValidationError
from django.db import models

from sas.communes.models import Commune

from .fields import TagsField
from .schema import (
    SERVICE,
    STRUCTURE,
    TEXT_FIELDS,
    fingerprint,
    refresh_derived,
    service_dict,
    service_fingerprint_row,
    structure_dict,
    texte_brut,
    validate,
)


class LieuEtContact(models.Model):
    """Where a structure or a service is and how to reach it: the schema gives both the same fields."""

    commune = models.TextField("commune", blank=True)
    code_postal = models.CharField("code postal", max_length=5, blank=True)
    code_insee = models.CharField("code INSEE", max_length=5, blank=True)
    adresse = models.TextField("adresse", blank=True)
    complement_adresse = models.TextField("complément d'adresse", blank=True)
    longitude = models.FloatField("longitude", null=True, blank=True)
    latitude = models.FloatField("latitude", null=True, blank=True)
    telephone = models.TextField("téléphone", blank=True)
    courriel = models.EmailField("courriel", blank=True)

    class Meta:
        abstract = True


class Structure(LieuEtContact):
    source = models.CharField("source", max_length=100)
    identifiant = models.CharField("identifiant (id du schéma)", max_length=255)
    nom = models.CharField("nom", max_length=150)
    date_maj = models.DateField("date de mise à jour")
    description = models.TextField("description", blank=True)
    lien_source = models.URLField("lien source", max_length=2000, blank=True)
    siret = models.CharField("SIRET", max_length=14, blank=True)
    site_web = models.URLField("site web", max_length=2000, blank=True)
    horaires_accueil = models.TextField("horaires d'accueil", blank=True)
    accessibilite_lieu = models.URLField("accessibilité du lieu", max_length=2000, blank=True)
    reseaux_porteurs = TagsField("réseaux porteurs")

    # SAS
    commune_cog = models.ForeignKey(
        Commune, verbose_name="commune (COG)", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The receiving organisation whose members answer referrals with an account (else: a magic link by e-mail).
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="organisation SAS (comptes)",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="structures_annuaire",
    )
    empreinte = models.CharField(max_length=32, editable=False, blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)
    modifie_le = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["nom", "id"]
        constraints = [models.UniqueConstraint(fields=["source", "identifiant"], name="annuaire_structure_unique")]

    def __str__(self):
        return self.nom

    def save(self, *args, **kwargs):
        self.commune_cog = Commune.objects.filter(pk=self.code_insee).first() if self.code_insee else None
        self.description = texte_brut(self.description)
        self.empreinte = fingerprint(structure_dict(self))
        super().save(*args, **kwargs)

    def clean(self):
        _, reasons = validate(STRUCTURE, structure_dict(self))
        if reasons:
            raise ValidationError(reasons)


class Service(LieuEtContact):
    source = models.CharField("source", max_length=100)
    identifiant = models.CharField("identifiant (id du schéma)", max_length=255)
    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="services")
    nom = models.CharField("nom", max_length=150)
    description = models.TextField("description")
    lien_source = models.URLField("lien source", max_length=2000, blank=True)
    date_maj = models.DateField("date de mise à jour")
    type = models.CharField("type", max_length=50, blank=True)
    thematiques = TagsField("thématiques")
    frais = models.CharField("frais", max_length=20, blank=True)
    frais_precisions = models.TextField("précisions sur les frais", blank=True)
    publics = TagsField("publics")
    publics_precisions = models.TextField("précisions sur les publics", blank=True)
    conditions_acces = models.TextField("conditions d'accès", blank=True)
    modes_accueil = TagsField("modes d'accueil")
    zone_eligibilite = TagsField(
        "zone d'éligibilité", help_text="Codes COG : commune, département, EPCI, pays (99xxx) ou « france »."
    )
    contact_nom_prenom = models.TextField("contact", blank=True)
    lien_mobilisation = models.URLField("lien de mobilisation", max_length=2000, blank=True)
    modes_mobilisation = TagsField("modes de mobilisation")
    mobilisable_par = TagsField("mobilisable par")
    mobilisation_precisions = models.TextField("précisions sur la mobilisation", blank=True)
    volume_horaire_hebdomadaire = models.FloatField("volume horaire hebdomadaire", null=True, blank=True)
    nombre_semaines = models.PositiveIntegerField("nombre de semaines", null=True, blank=True)
    horaires_accueil = models.TextField("horaires d'accueil", blank=True)

    # SAS
    # Limits a person set (a rule: the ranking leaves out whoever is outside); an import never writes them.
    age_min = models.PositiveSmallIntegerField("âge minimum (règle)", null=True, blank=True)
    age_max = models.PositiveSmallIntegerField("âge maximum (règle)", null=True, blank=True)
    # Ages `publics_precisions` mentions (schema.ages_from_text): a hint the ranking weighs and explains.
    age_min_fiche = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    age_max_fiche = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    ages_fiche_seul = models.BooleanField(default=True, editable=False)
    date_suspension = models.DateField(
        "suspendu à partir du", null=True, blank=True, help_text="Un service suspendu n'est plus proposé."
    )
    commune_cog = models.ForeignKey(
        Commune, verbose_name="commune (COG)", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Derived at save for matching: see sas.annuaire.schema.zone_keys and effective_position.
    zone_cles = TagsField(editable=False)
    # Zone key × thématique category ("d:69|mobilite"): one GIN lookup finds the services of the right place
    # and subject, far fewer rows than either list alone.
    cles_recherche = TagsField(editable=False)
    position_lat = models.FloatField(null=True, blank=True, editable=False)
    position_lon = models.FloatField(null=True, blank=True, editable=False)
    en_presentiel = models.BooleanField(default=False, editable=False)
    a_distance = models.BooleanField(default=False, editable=False)
    empreinte = models.CharField(max_length=32, editable=False, blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)
    modifie_le = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["nom", "id"]
        constraints = [models.UniqueConstraint(fields=["source", "identifiant"], name="annuaire_service_unique")]
        indexes = [
            models.Index(fields=["position_lat", "position_lon"], name="annuaire_service_position"),
        ]

    def __str__(self):
        return self.nom

    def save(self, *args, **kwargs):
        self.commune_cog = Commune.objects.filter(pk=self.code_insee).first() if self.code_insee else None
        for name in TEXT_FIELDS:
            setattr(self, name, texte_brut(getattr(self, name)))
        refresh_derived(self)
        self.empreinte = fingerprint(service_fingerprint_row(service_dict(self), self.date_suspension))
        super().save(*args, **kwargs)

    def clean(self):
        if self.structure_id is None:
            return
        _, reasons = validate(SERVICE, service_dict(self))
        if reasons:
            raise ValidationError(reasons)
