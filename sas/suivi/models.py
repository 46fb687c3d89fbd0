"""Follow-up after take-up (points d'étape at 1, 3 and 6 months), positive exits, the one more try given to people
left unreachable or deferred, and the young person's word on each right screened by `droits`.

A PointEtape moves through `sas.suivi.transitions.transition()` only, which writes one PointEtapeEvent per move; the
answers of the young person and of the structure are PointEtapeEvents too."""

import hashlib
import secrets

from django.db import models
from django.utils import timezone

from sas.audit.models import AppendOnly


class FinSuivi(models.TextChoices):
    SORTIE_POSITIVE = "sortie_positive", "Sortie positive"
    REMOBILISATION = "remobilisation", "Retour vers le conseiller (remobilisation)"
    TERMINE = "termine", "Points d'étape terminés"


class NatureSortie(models.TextChoices):
    EMPLOI = "emploi", "Emploi"
    FORMATION = "formation", "Formation"
    APPRENTISSAGE = "apprentissage", "Apprentissage ou alternance"
    AUTRE_ACCOMPAGNEMENT = "autre_accompagnement", "Autre accompagnement"


class ActorKind(models.TextChoices):
    """Who made a move or gave an answer."""

    JEUNE = "jeune", "Le jeune"
    STRUCTURE = "structure", "La structure"
    CONSEILLER = "conseiller", "Le conseiller SAS"
    SYSTEME = "systeme", "Automatique"


class Suivi(models.Model):
    """The follow-up of one take-up: started when the structure confirmed it, ended by a positive exit, a return to
    the counsellor, or the last point d'étape."""

    parcours = models.ForeignKey("parcours.Parcours", on_delete=models.CASCADE, related_name="suivis")
    orientation = models.ForeignKey(
        "orientation.Orientation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    debut = models.DateTimeField("prise en charge le")
    termine_le = models.DateTimeField("terminé le", null=True, blank=True)
    fin = models.CharField("fin", max_length=20, choices=FinSuivi.choices, blank=True)
    end_reason = models.TextField("motif de fin", blank=True)
    sortie_nature = models.CharField("nature de la sortie", max_length=30, choices=NatureSortie.choices, blank=True)
    sortie_le = models.DateField("date de la sortie", null=True, blank=True)
    sortie_actor_kind = models.CharField("sortie indiquée par", max_length=20, choices=ActorKind.choices, blank=True)

    class Meta:
        verbose_name = "suivi après prise en charge"
        verbose_name_plural = "suivis après prise en charge"
        ordering = ["-debut", "-pk"]
        constraints = [
            # One follow-up under way per journey: a scheduler run twice at once starts one.
            models.UniqueConstraint(fields=["parcours"], condition=models.Q(termine_le__isnull=True), name="un_suivi")
        ]

    def __str__(self):
        return f"Suivi du parcours {self.parcours_id} depuis le {self.debut:%d/%m/%Y}"

    @property
    def structure(self):
        return self.orientation.structure if self.orientation else None


class PointEtapeStatus(models.TextChoices):
    A_VENIR = "a_venir", "À venir"
    ENVOYE = "envoye", "Question envoyée"
    REPONDU = "repondu", "Répondu"
    SANS_REPONSE = "sans_reponse", "Sans réponse après les relances"
    SAUTE = "saute", "Sauté (contact récent)"
    ANNULE = "annule", "Annulé (suivi terminé)"


FINALS = frozenset(
    {PointEtapeStatus.REPONDU, PointEtapeStatus.SANS_REPONSE, PointEtapeStatus.SAUTE, PointEtapeStatus.ANNULE}
)


class PointEtape(models.Model):
    """One check-in: the same question to the young person (their link) and to the structure (a magic link)."""

    suivi = models.ForeignKey(Suivi, on_delete=models.CASCADE, related_name="points")
    mois = models.PositiveSmallIntegerField("mois après la prise en charge")
    prevu_le = models.DateTimeField("prévu le")
    # Only sas.suivi.transitions writes these two fields.
    status = models.CharField(
        "statut", max_length=20, choices=PointEtapeStatus.choices, default=PointEtapeStatus.A_VENIR, editable=False
    )
    status_changed_at = models.DateTimeField("statut depuis", editable=False)
    envoye_le = models.DateTimeField("question envoyée le", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "point d'étape"
        verbose_name_plural = "points d'étape"
        ordering = ["prevu_le", "pk"]
        constraints = [models.UniqueConstraint(fields=["suivi", "mois"], name="un_point_par_mois")]
        indexes = [models.Index(fields=["status", "prevu_le"])]

    def __str__(self):
        return f"Point d'étape à {self.mois} mois ({self.get_status_display().lower()})"

    @property
    def finale(self):
        return self.status in FINALS


class EventKind(models.TextChoices):
    TRANSITION = "transition", "Changement de statut"
    RELANCE = "relance", "Relance"
    REPONSE = "reponse", "Réponse"


class PointEtapeEvent(AppendOnly):
    """Append-only log of a check-in: its moves, its reminders, and every answer (who, what, when)."""

    point = models.ForeignKey(PointEtape, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("nature", max_length=20, choices=EventKind.choices, default=EventKind.TRANSITION)
    from_status = models.CharField("de", max_length=20, choices=PointEtapeStatus.choices, blank=True)
    to_status = models.CharField("vers", max_length=20, choices=PointEtapeStatus.choices)
    actor_kind = models.CharField("par", max_length=20, choices=ActorKind.choices)
    reason = models.TextField("motif", blank=True)
    # An answer: {question: answer}, the question being "accompagne", "utile", "besoin", "sortie" or "droit_<code>";
    # a reminder: {"numero": 1 | 2, "a": [the sides asked]}.
    detail = models.JSONField("détail", default=dict, blank=True)
    actor = models.ForeignKey("organisations.User", on_delete=models.SET_NULL, null=True, blank=True)
    occurred_at = models.DateTimeField("date")

    class Meta:
        verbose_name = "événement de point d'étape"
        ordering = ["occurred_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_actor_kind_display().lower()})"


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


class LienSuiviStructure(models.Model):
    """The structure's magic link for one check-in: only its hash is stored, it expires, and it is refused once the
    check-in is over."""

    point = models.ForeignKey(PointEtape, on_delete=models.CASCADE, related_name="liens")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField("expire le")
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    class Meta:
        verbose_name = "lien de point d'étape (structure)"
        verbose_name_plural = "liens de point d'étape (structures)"

    def __str__(self):
        return f"Lien du point d'étape {self.point_id} jusqu'au {self.expires_at:%d/%m/%Y}"

    @classmethod
    def creer(cls, point, *, duree, at=None):
        """(link, token): the token is returned once and never stored."""
        at = at or timezone.now()
        token = secrets.token_urlsafe(32)
        lien = cls.objects.create(point=point, token_hash=_hash(token), created_at=at, expires_at=at + duree)
        return lien, token

    @classmethod
    def trouver(cls, token, at=None):
        """The check-in this token opens, or None (unknown, expired, revoked, or the check-in is over)."""
        at = at or timezone.now()
        lien = (
            cls.objects.select_related("point__suivi__parcours__jeune", "point__suivi__orientation__structure")
            .filter(token_hash=_hash(token or ""), expires_at__gt=at, revoked_at__isnull=True)
            .first()
        )
        if lien is None or lien.point.status not in (PointEtapeStatus.ENVOYE, PointEtapeStatus.REPONDU):
            return None
        return lien.point


class ReponseDroit(models.TextChoices):
    DEJA = "deja", "Je l'avais déjà"
    DEMANDE = "demande", "Je l'ai demandé"
    REFUSE = "refuse", "On me l'a refusé"
    PAS_FAIT = "pas_fait", "Pas encore fait"


class RecoursDroit(models.Model):
    """What the young person said at a check-in about one right the screening found: take-up of rights is measured
    from these (the latest per journey and right)."""

    point = models.ForeignKey(PointEtape, on_delete=models.CASCADE, related_name="droits")
    parcours = models.ForeignKey("parcours.Parcours", on_delete=models.CASCADE, related_name="recours_droits")
    droit = models.CharField("droit", max_length=30)
    reponse = models.CharField("réponse", max_length=20, choices=ReponseDroit.choices)
    actor_kind = models.CharField("par", max_length=20, choices=ActorKind.choices)
    declare_le = models.DateTimeField("déclaré le")

    class Meta:
        verbose_name = "recours à un droit"
        verbose_name_plural = "recours aux droits"
        ordering = ["declare_le", "pk"]

    def __str__(self):
        return f"{self.droit} : {self.get_reponse_display()}"


class OrigineEssai(models.TextChoices):
    INJOIGNABLE = "injoignable", "Injoignable"
    REPORT = "report", "Recontact reporté"


class NouvelEssai(models.Model):
    """The one more try given to a journey left unreachable (or deferred then unreachable) before its file is
    closed. Written by sas.suivi.services.nouveaux_essais() only."""

    parcours = models.OneToOneField("parcours.Parcours", on_delete=models.CASCADE, related_name="nouvel_essai")
    origine = models.CharField("origine", max_length=20, choices=OrigineEssai.choices)
    lance_le = models.DateTimeField("relancé le", null=True, blank=True)
    clos_le = models.DateTimeField("dossier clos le", null=True, blank=True)
    closing_reason = models.TextField("motif de clôture", blank=True)

    class Meta:
        verbose_name = "nouvel essai de contact"
        verbose_name_plural = "nouveaux essais de contact"

    def __str__(self):
        return f"Nouvel essai du parcours {self.parcours_id}"
