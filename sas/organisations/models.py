from functools import cached_property

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models


class Role(models.TextChoices):
    PRESCRIPTEUR = "prescripteur", "Prescripteur"
    AIGUILLEUR = "aiguilleur", "Aiguilleur"
    STRUCTURE = "structure", "Structure d'accueil"
    PILOTE = "pilote", "Pilote"
    ADMIN = "admin", "Administrateur"


class OrganisationKind(models.TextChoices):
    ASE = "ase", "Aide sociale à l'enfance (ASE)"
    SPIP = "spip", "Service pénitentiaire d'insertion et de probation (SPIP)"
    MISSION_LOCALE = "mission_locale", "Mission locale"
    ECOLE = "ecole", "Établissement scolaire"
    ASSOCIATION = "association", "Association"
    EQUIPE_SAS = "equipe_sas", "Équipe SAS"
    STRUCTURE_ACCUEIL = "structure_accueil", "Structure d'accueil"
    PILOTAGE = "pilotage", "Pilotage territorial"
    OPERATEUR = "operateur", "Opérateur du service"


class Territory(models.Model):
    """The area a SAS team covers; young people are routed to it by their commune."""

    nom = models.CharField("nom", max_length=150, unique=True)
    communes = models.ManyToManyField("communes.Commune", related_name="territories", blank=True)

    class Meta:
        ordering = ["nom"]
        verbose_name = "territoire"

    def __str__(self):
        return self.nom

    @classmethod
    def for_commune(cls, commune):
        """The territory of a commune; Paris, Lyon and Marseille belong to the one of their arrondissements, and an
        arrondissement to its commune's."""
        in_it = models.Q(communes=commune) | models.Q(communes__parent=commune)
        if commune.parent_id:
            in_it |= models.Q(communes=commune.parent_id)
        return cls.objects.filter(in_it).order_by("pk").first()


class Organisation(models.Model):
    nom = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=30, choices=OrganisationKind.choices)
    territory = models.ForeignKey(
        Territory, verbose_name="territoire", on_delete=models.PROTECT, related_name="organisations"
    )
    commune = models.ForeignKey(
        "communes.Commune", verbose_name="commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    siret = models.CharField("SIRET", max_length=14, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["nom"]
        constraints = [models.UniqueConstraint(fields=["nom", "territory"], name="unique_organisation_per_territory")]

    def __str__(self):
        return self.nom


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("L'adresse électronique est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A professional. Young people and relatives have no account."""

    username = None
    email = models.EmailField("adresse électronique", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []
    objects = UserManager()

    class Meta:
        verbose_name = "utilisateur"

    def __str__(self):
        return self.get_full_name() or self.email

    @cached_property
    def active_memberships(self):
        return list(self.memberships.filter(is_active=True).select_related("organisation"))

    @property
    def roles(self):
        return {m.role for m in self.active_memberships}

    @property
    def main_role(self):
        """The role whose home page the user lands on (first in Role order)."""
        return next((role for role in Role.values if role in self.roles), None)


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    is_active = models.BooleanField("actif", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "rattachement"
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="unique_membership_role"),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.organisation}"
