import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    """What one step of a contact plan does."""

    SMS = "sms", "SMS"
    EMAIL = "email", "Courriel"
    DERNIER_MESSAGE = "dernier_message", "Dernier message (canal préféré)"
    APPEL = "appel", "Tâche d'appel pour le conseiller"
    VISITE = "visite", "Tâche de visite pour le conseiller"
    DECIDER = "decider", "Décider : injoignable si aucune réponse"


MESSAGE_ACTIONS = frozenset({Action.SMS, Action.EMAIL, Action.DERNIER_MESSAGE})
TASK_ACTIONS = frozenset({Action.APPEL, Action.VISITE})

DEFAULT_PLAN_NAME = "Plan de contact standard"
DEFAULT_STEPS = [
    {"jour": 0, "actions": ["sms"]},
    {"jour": 2, "actions": ["email"]},
    {"jour": 5, "actions": ["sms", "appel"]},
    {"jour": 10, "actions": ["dernier_message"]},
    {"jour": 15, "actions": ["decider"]},
]


def validate_etapes(etapes):
    """A plan is a list of steps {"jour": int ≥ 0, "actions": [...]}, days strictly increasing, "decider" only
    in the last step. Raises ValidationError in French."""
    if not isinstance(etapes, list) or not etapes:
        raise ValidationError("Le plan doit contenir au moins une étape.")
    previous = -1
    for number, etape in enumerate(etapes, start=1):
        if not isinstance(etape, dict) or set(etape) != {"jour", "actions"}:
            raise ValidationError(f"Étape {number} : indiquez exactement « jour » et « actions ».")
        jour, actions = etape["jour"], etape["actions"]
        if not isinstance(jour, int) or isinstance(jour, bool) or jour < 0:
            raise ValidationError(f"Étape {number} : le jour doit être un nombre entier positif ou nul.")
        if jour <= previous:
            raise ValidationError(f"Étape {number} : les jours doivent aller en croissant (jour {jour}).")
        previous = jour
        if not isinstance(actions, list) or not actions:
            raise ValidationError(f"Étape {number} : indiquez au moins une action.")
        unknown = [a for a in actions if a not in Action.values]
        if unknown:
            raise ValidationError(
                f"Étape {number} : action inconnue « {unknown[0]} » (possibles : {', '.join(Action.values)})."
            )
        if Action.DECIDER in actions and number != len(etapes):
            raise ValidationError(f"Étape {number} : « decider » ne peut être que dans la dernière étape.")


class PlanContact(models.Model):
    """A contact cadence, as data: which actions on which day after the start of contact."""

    nom = models.CharField("nom", max_length=150, unique=True)
    actif = models.BooleanField(
        "plan appliqué aux nouveaux parcours",
        default=True,
        help_text="Le plus récent des plans actifs s'applique aux parcours qui entrent en contact.",
    )
    etapes = models.JSONField("étapes", default=list)
    created_at = models.DateTimeField("créé le", default=timezone.now)

    class Meta:
        verbose_name = "plan de contact"
        verbose_name_plural = "plans de contact"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.nom

    def clean(self):
        try:
            validate_etapes(self.etapes)
        except ValidationError as error:
            raise ValidationError({"etapes": error.messages}) from error

    @classmethod
    def courant(cls):
        """The plan new journeys follow: the most recent active one, else the standard plan (created if missing)."""
        plan = cls.objects.filter(actif=True).first()
        if plan is None:
            plan, _ = cls.objects.get_or_create(nom=DEFAULT_PLAN_NAME, defaults={"etapes": DEFAULT_STEPS})
        return plan

    @property
    def duree(self):
        return self.etapes[-1]["jour"] if self.etapes else 0


class ArretCadence(models.TextChoices):
    REPONSE = "reponse", "Le jeune a répondu"
    INJOIGNABLE = "injoignable", "Injoignable à la fin du plan"
    TERMINE = "termine", "Plan terminé"


class CadenceContact(models.Model):
    """Where one journey stands in its contact plan. A new cycle (after a deferral or a return to the queue)
    starts again from step 0 with new message keys."""

    parcours = models.OneToOneField("parcours.Parcours", on_delete=models.CASCADE, related_name="cadence_contact")
    plan = models.ForeignKey(PlanContact, verbose_name="plan", on_delete=models.PROTECT, related_name="cadences")
    cycle = models.PositiveIntegerField("cycle", default=0)
    demarre_le = models.DateTimeField("démarré le", null=True, blank=True)
    etape_suivante = models.PositiveIntegerField("étape suivante", default=0)
    arrete_le = models.DateTimeField("arrêté le", null=True, blank=True)
    motif_arret = models.CharField("motif d'arrêt", max_length=20, choices=ArretCadence.choices, blank=True)
    reporte_jusqu_au = models.DateField("recontact reporté au", null=True, blank=True)

    class Meta:
        verbose_name = "cadence de contact"
        verbose_name_plural = "cadences de contact"

    def __str__(self):
        return f"Cadence de contact du parcours {self.parcours_id}"

    def est_reporte(self, on=None):
        return self.reporte_jusqu_au is not None and self.reporte_jusqu_au > (on or timezone.localdate())

    def prochaine_etape(self):
        """(step, due datetime) of the next step to run, or None when stopped, deferred or finished."""
        if self.arrete_le or self.demarre_le is None or self.etape_suivante >= len(self.plan.etapes):
            return None
        etape = self.plan.etapes[self.etape_suivante]
        return etape, self.demarre_le + datetime.timedelta(days=etape["jour"])


class NatureTache(models.TextChoices):
    APPEL = "appel", "Appel"
    VISITE = "visite", "Visite"


class CanalContact(models.TextChoices):
    APPEL = "appel", "Appel téléphonique"
    VISITE = "visite", "Visite"
    SMS = "sms", "SMS"
    EMAIL = "email", "Courriel"
    COURRIER = "courrier", "Courrier"
    PRESCRIPTEUR = "prescripteur", "Par l'intermédiaire du prescripteur"


class ResultatContact(models.TextChoices):
    JOINT = "joint", "Joint : contact rétabli"
    MESSAGE_LAISSE = "message_laisse", "Message laissé"
    SANS_REPONSE = "sans_reponse", "Pas de réponse"
    ABSENT = "absent", "Absent lors de la visite"
    COORDONNEES_ERRONEES = "coordonnees_erronees", "Coordonnées erronées"


class TacheContactQuerySet(models.QuerySet):
    def ouvertes(self):
        return self.filter(faite_le__isnull=True)


class TacheContact(models.Model):
    """A call or a visit the counsellor has to make (from the cadence, a missed appointment, or by hand)."""

    parcours = models.ForeignKey("parcours.Parcours", on_delete=models.CASCADE, related_name="taches_contact")
    nature = models.CharField("nature", max_length=10, choices=NatureTache.choices)
    motif = models.CharField("motif", max_length=300)
    echeance = models.DateTimeField("échéance")
    created_at = models.DateTimeField("créée le", default=timezone.now)
    faite_le = models.DateTimeField("faite le", null=True, blank=True)
    faite_par = models.ForeignKey(
        "organisations.User", verbose_name="faite par", on_delete=models.SET_NULL, null=True, blank=True
    )
    resultat = models.CharField("résultat", max_length=30, choices=ResultatContact.choices, blank=True)
    note = models.TextField("note", blank=True)
    # Idempotency key of automatic tasks (cadence step, appointment), so that a rerun creates nothing.
    cle = models.CharField(max_length=100, blank=True, editable=False)

    objects = TacheContactQuerySet.as_manager()

    class Meta:
        verbose_name = "tâche de contact"
        verbose_name_plural = "tâches de contact"
        ordering = ["echeance", "pk"]
        constraints = [models.UniqueConstraint(fields=["cle"], condition=~models.Q(cle=""), name="unique_tache_cle")]
        indexes = [models.Index(fields=["parcours", "faite_le"])]

    def __str__(self):
        return f"{self.get_nature_display()} pour le parcours {self.parcours_id} avant le {self.echeance:%d/%m/%Y}"

    def en_retard(self, at=None):
        return self.faite_le is None and self.echeance < (at or timezone.now())


class ViaMessage(models.TextChoices):
    PAGE = "page", "Depuis sa page"
    SMS = "sms", "Par SMS"


class MessageJeuneQuerySet(models.QuerySet):
    def non_lus(self):
        return self.filter(lu_le__isnull=True)


class MessageJeune(models.Model):
    """What the young person wrote to the team (a message from their page, an answer to an SMS): one conversation
    on the journey page. Unread until a counsellor of the territory opens the journey."""

    parcours = models.ForeignKey("parcours.Parcours", on_delete=models.CASCADE, related_name="messages_du_jeune")
    texte = models.TextField("texte")
    via = models.CharField("reçu", max_length=10, choices=ViaMessage.choices)
    recu_le = models.DateTimeField("reçu le", default=timezone.now)
    lu_le = models.DateTimeField("lu le", null=True, blank=True)
    lu_par = models.ForeignKey(
        "organisations.User", verbose_name="lu par", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = MessageJeuneQuerySet.as_manager()

    class Meta:
        verbose_name = "message du jeune"
        verbose_name_plural = "messages des jeunes"
        ordering = ["recu_le", "pk"]
        indexes = [models.Index(fields=["parcours", "lu_le"])]

    def __str__(self):
        return f"Message du jeune ({self.get_via_display().lower()}) du {self.recu_le:%d/%m/%Y %H:%M}"
