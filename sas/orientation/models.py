"""The hand-off (relai): services proposed to the young person, then the closed-loop referral to one structure.

An Orientation moves through `sas.orientation.transitions.transition()` only, which writes one OrientationEvent per
move; the loop figures and the structures' responsiveness are computed from those events."""

import hashlib
import secrets

from django.db import models
from django.utils import timezone

from sas.audit.models import AppendOnly


class Proposition(models.Model):
    """A service the counsellor proposes; the young person chooses among the open ones."""

    parcours = models.ForeignKey("parcours.Parcours", on_delete=models.CASCADE, related_name="propositions")
    service = models.ForeignKey("annuaire.Service", on_delete=models.CASCADE, related_name="+")
    rang = models.PositiveSmallIntegerField("rang")
    # What the counsellor read aloud when proposing it (the ranking may change later).
    explication = models.TextField("pourquoi ce service")
    proposee_par = models.ForeignKey("organisations.User", on_delete=models.SET_NULL, null=True, related_name="+")
    proposee_le = models.DateTimeField("proposée le", default=timezone.now)
    # Closed when the young person chose one (this one or another) or the counsellor withdrew it.
    close_le = models.DateTimeField("close le", null=True, blank=True)

    class Meta:
        ordering = ["proposee_le", "rang"]

    def __str__(self):
        return f"Proposition {self.rang} du parcours {self.parcours_id}"


class OrientationStatus(models.TextChoices):
    ENVOYEE = "envoyee", "Envoyée"
    VUE = "vue", "Vue par la structure"
    ACCEPTEE = "acceptee", "Acceptée"
    RDV_FIXE = "rdv_fixe", "Premier rendez-vous fixé"
    PRISE_EN_CHARGE = "prise_en_charge", "Prise en charge confirmée"
    REFUSEE = "refusee", "Refusée"
    EXPIREE = "expiree", "Expirée (sans réponse)"
    ANNULEE = "annulee", "Annulée"


FINALS = frozenset(
    {OrientationStatus.PRISE_EN_CHARGE, OrientationStatus.REFUSEE, OrientationStatus.EXPIREE, OrientationStatus.ANNULEE}
)


class Reason(models.TextChoices):
    """Why a referral ended without take-up (the list closed-loop platforms compare on)."""

    INJOIGNABLE = "injoignable", "N'a pas pu joindre le jeune"
    NON_ELIGIBLE = "non_eligible", "Ne correspond pas aux critères"
    PAS_DE_PLACE = "pas_de_place", "Pas de place"
    PLUS_INTERESSE = "plus_interesse", "Le jeune n'est plus intéressé"
    SANS_REPONSE = "sans_reponse", "Pas de réponse de la structure"
    CONSENTEMENT_RETIRE = "consentement_retire", "Le jeune a retiré son accord"
    AUTRE = "autre", "Autre"


class ActorKind(models.TextChoices):
    """Who made a move."""

    STRUCTURE = "structure", "La structure"
    JEUNE = "jeune", "Le jeune"
    CONSEILLER = "conseiller", "Le conseiller SAS"
    SYSTEME = "systeme", "Automatique"


class OrientationQuerySet(models.QuerySet):
    def ouvertes(self):
        return self.exclude(status__in=FINALS)


class Orientation(models.Model):
    """One referral of a young person to one service of the directory."""

    parcours = models.ForeignKey("parcours.Parcours", on_delete=models.CASCADE, related_name="orientations")
    service = models.ForeignKey("annuaire.Service", on_delete=models.PROTECT, related_name="orientations")
    structure = models.ForeignKey("annuaire.Structure", on_delete=models.PROTECT, related_name="orientations")
    # Only sas.orientation.transitions writes these two fields.
    status = models.CharField("statut", max_length=20, choices=OrientationStatus.choices, editable=False)
    status_changed_at = models.DateTimeField("statut depuis", editable=False)
    envoyee_le = models.DateTimeField("envoyée le")
    envoyee_par = models.ForeignKey("organisations.User", on_delete=models.SET_NULL, null=True, related_name="+")
    destinataire = models.EmailField("adresse de la structure", blank=True)
    # What the structure may read, frozen at sending: only the consented categories.
    partage = models.JSONField("informations transmises", default=dict)
    premier_rdv_le = models.DateTimeField("premier rendez-vous le", null=True, blank=True)

    objects = OrientationQuerySet.as_manager()

    class Meta:
        ordering = ["-envoyee_le"]
        indexes = [models.Index(fields=["status", "envoyee_le"])]

    def __str__(self):
        return f"Orientation vers {self.service} ({self.get_status_display()})"

    @property
    def finale(self):
        return self.status in FINALS


class EventKind(models.TextChoices):
    TRANSITION = "transition", "Changement de statut"
    RELANCE = "relance", "Relance de la structure"
    COURRIEL = "courriel", "Lien envoyé à la structure"
    ECHEC_COURRIEL = "echec_courriel", "Échec d'envoi du courriel"
    RENCONTRE_JEUNE = "rencontre_jeune", "Réponse du jeune : rencontre"
    AVIS_ANNULATION = "avis_annulation", "Annulation signalée à la structure"


class OrientationEvent(AppendOnly):
    """Append-only log of a referral."""

    orientation = models.ForeignKey(Orientation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("nature", max_length=20, choices=EventKind.choices, default=EventKind.TRANSITION)
    from_status = models.CharField("de", max_length=20, choices=OrientationStatus.choices, blank=True)
    to_status = models.CharField("vers", max_length=20, choices=OrientationStatus.choices)
    actor_kind = models.CharField("par", max_length=20, choices=ActorKind.choices)
    reason = models.CharField("motif", max_length=20, choices=Reason.choices, blank=True)
    precision = models.TextField("précision", blank=True)
    detail = models.JSONField("détail", default=dict, blank=True)
    actor = models.ForeignKey("organisations.User", on_delete=models.SET_NULL, null=True, blank=True)
    occurred_at = models.DateTimeField("date")

    class Meta:
        verbose_name = "événement d'orientation"
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["to_status", "occurred_at"])]

    def __str__(self):
        return f"{self.get_from_status_display() or '∅'} → {self.get_to_status_display()}"


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


class LienStructure(models.Model):
    """A magic link for a receiver without an account: opens one referral only, expires, and is refused once the
    referral is over. Only its hash is stored; the token exists in the e-mail alone."""

    orientation = models.ForeignKey(Orientation, on_delete=models.CASCADE, related_name="liens")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField("expire le")
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    class Meta:
        verbose_name = "lien de la structure"
        verbose_name_plural = "liens des structures"

    def __str__(self):
        return f"Lien de l'orientation {self.orientation_id} jusqu'au {self.expires_at:%d/%m/%Y}"

    @classmethod
    def creer(cls, orientation, *, duree, at=None):
        """(link, token): the token is returned once and never stored."""
        at = at or timezone.now()
        token = secrets.token_urlsafe(32)
        lien = cls.objects.create(
            orientation=orientation, token_hash=_hash(token), created_at=at, expires_at=at + duree
        )
        return lien, token

    @classmethod
    def trouver(cls, token, at=None):
        """The orientation this token opens, or None (unknown, expired, revoked, or the referral is over)."""
        at = at or timezone.now()
        lien = (
            cls.objects.select_related("orientation__parcours__jeune", "orientation__service", "orientation__structure")
            .filter(token_hash=_hash(token or ""), expires_at__gt=at, revoked_at__isnull=True)
            .first()
        )
        if lien is None or lien.orientation.finale:
            return None
        return lien.orientation

    @classmethod
    def annulee(cls, token):
        """Whether `token` named a referral since cancelled: its holder is told so, and nothing else."""
        return cls.objects.filter(token_hash=_hash(token or ""), orientation__status=OrientationStatus.ANNULEE).exists()
