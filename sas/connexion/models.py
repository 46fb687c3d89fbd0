from django.conf import settings
from django.db import models

from sas.audit.models import AppendOnly
from sas.organisations.models import OrganisationKind, Role


class DemandeAcces(models.Model):
    """A professional whom ProConnect identified but SAS does not know asks to join an organisation. Nothing exists
    for them until someone who may decide accepts: then, and only then, the account (and the organisation, when it
    was proposed) are created."""

    class Status(models.TextChoices):
        EN_ATTENTE = "en_attente", "En attente"
        ACCEPTEE = "acceptee", "Acceptée"
        REFUSEE = "refusee", "Refusée"

    TRANSITIONS = {Status.EN_ATTENTE: {Status.ACCEPTEE, Status.REFUSEE}, Status.ACCEPTEE: set(), Status.REFUSEE: set()}

    # The identity ProConnect vouched for.
    email = models.EmailField("adresse électronique")
    prenom = models.CharField("prénom", max_length=150)
    nom = models.CharField("nom", max_length=150)
    siret = models.CharField("SIRET", max_length=14)
    sub = models.CharField("identifiant ProConnect", max_length=255)
    idp_id = models.CharField("fournisseur d'identité", max_length=255, blank=True)
    # Found by its SIRET, or proposed (the three fields below) when SAS has none with it.
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="demandes_acces"
    )
    nom_organisation = models.CharField("nom de l'organisation proposée", max_length=200, blank=True)
    kind = models.CharField(
        "type de l'organisation proposée", max_length=30, choices=OrganisationKind.choices, blank=True
    )
    territory = models.ForeignKey(
        "organisations.Territory", verbose_name="territoire", on_delete=models.PROTECT, related_name="demandes_acces"
    )
    role = models.CharField("rôle demandé", max_length=20, choices=Role.choices)
    status = models.CharField("statut", max_length=20, choices=Status.choices, default=Status.EN_ATTENTE)
    created_at = models.DateTimeField("demandée le", auto_now_add=True)
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)

    class Meta:
        verbose_name = "demande d'accès"
        verbose_name_plural = "demandes d'accès"
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open request per person and organisation: asking twice does not fill the deciders' list.
            models.UniqueConstraint(
                fields=["email", "siret"], condition=models.Q(status="en_attente"), name="une_demande_ouverte"
            )
        ]

    def __str__(self):
        return f"{self.prenom} {self.nom} <{self.email}> — {self.nom_affiche}"

    @property
    def nom_affiche(self):
        return self.organisation.nom if self.organisation_id else self.nom_organisation


class EvenementDemande(AppendOnly):
    demande = models.ForeignKey(DemandeAcces, on_delete=models.CASCADE, related_name="evenements")
    from_status = models.CharField("de", max_length=20, choices=DemandeAcces.Status.choices)
    to_status = models.CharField("vers", max_length=20, choices=DemandeAcces.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("date", auto_now_add=True)

    class Meta:
        verbose_name = "décision sur une demande d'accès"
        ordering = ["at", "pk"]
