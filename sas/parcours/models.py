import uuid

from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import timezone

from sas.audit.models import AppendOnly

from .status import Status


class ParcoursQuerySet(models.QuerySet):
    """Plain filters; who may see which journeys is decided in sas.permissions."""

    def signalled_by(self, organisation_ids):
        """Journeys with a signalement from one of these organisations."""
        return self.filter(
            Exists(Signalement.objects.filter(parcours=OuterRef("pk"), organisation_id__in=organisation_ids))
        )


class Parcours(models.Model):
    """One journey of a young person through SAS, from signalement to the end of follow-up."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    jeune = models.ForeignKey("jeunes.Jeune", on_delete=models.CASCADE, related_name="parcours")
    territory = models.ForeignKey(
        "organisations.Territory", verbose_name="territoire", on_delete=models.PROTECT, related_name="parcours"
    )
    # Only sas.parcours.transitions writes these two fields.
    status = models.CharField("statut", max_length=30, choices=Status.choices, editable=False)
    status_changed_at = models.DateTimeField("statut depuis", editable=False)
    created_at = models.DateTimeField("signalé le", default=timezone.now, editable=False)
    # Set through sas.aiguillage.services.assigner(), which writes the event.
    conseiller = models.ForeignKey(
        "organisations.User",
        verbose_name="conseiller",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="parcours_suivis",
    )
    # The targets' milestones, first dates read from the events, kept by sas.parcours.transitions as it writes them so
    # that the territory queue sorts and filters on columns (sas.aiguillage.indicators.jalons() reads the events).
    objectifs_depuis = models.DateTimeField("objectifs depuis", null=True, editable=False)
    premier_essai_le = models.DateTimeField("premier essai de contact le", null=True, editable=False)
    contacte_le = models.DateTimeField("contacté le", null=True, editable=False)
    injoignable_le = models.DateTimeField("injoignable le", null=True, editable=False)
    diagnostic_le = models.DateTimeField("diagnostic fait le", null=True, editable=False)

    objects = ParcoursQuerySet.as_manager()

    class Meta:
        verbose_name = "parcours"
        verbose_name_plural = "parcours"
        # With the id, the queue's tabs are counted from the index alone (an index-only scan on PostgreSQL).
        indexes = [
            models.Index(fields=["territory", "status", "created_at"], include=["id"], name="parcours_territoire")
        ]

    def __str__(self):
        return f"Parcours de {self.jeune} ({self.get_status_display()})"

    def reached_on(self):
        """{status: first date reached}, from the (prefetched) events."""
        reached = {}
        for event in self.events.all():
            if event.kind == EventKind.TRANSITION:
                reached.setdefault(event.to_status, event.occurred_at)
        return reached


class SignalementSource(models.TextChoices):
    PRESCRIPTEUR = "prescripteur", "Professionnel (formulaire)"
    FICHIER = "fichier", "Professionnel (fichier)"
    API = "api", "Professionnel (API)"
    PROCHE = "proche", "Un proche"
    JEUNE = "jeune", "Le jeune lui-même"


class Canal(models.TextChoices):
    SMS = "sms", "SMS"
    APPEL = "appel", "Appel téléphonique"
    EMAIL = "email", "Courriel"
    COURRIER = "courrier", "Courrier"
    PRESCRIPTEUR = "prescripteur", "Par l'intermédiaire du prescripteur"


class Signalement(models.Model):
    """One act of signalling; several may attach to the same journey."""

    parcours = models.ForeignKey(Parcours, on_delete=models.CASCADE, related_name="signalements")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="signalements"
    )
    created_by = models.ForeignKey("organisations.User", on_delete=models.SET_NULL, null=True, blank=True)
    source = models.CharField("origine", max_length=20, choices=SignalementSource.choices)
    created_at = models.DateTimeField("signalé le", default=timezone.now)
    # The name as this signalement gave it: what its organisation knows the young person by, never what SAS knew.
    prenom = models.CharField("prénom indiqué", max_length=100, blank=True)
    nom = models.CharField("nom indiqué", max_length=100, blank=True)
    # When it joined its journey: at creation, or when a counsellor merged a possible duplicate. What the
    # signalling organisation follows of the journey starts there.
    attache_le = models.DateTimeField("rattaché au parcours le", default=timezone.now)
    fin_accompagnement_le = models.DateField("fin de l'accompagnement actuel", null=True, blank=True)
    motif = models.TextField("motif de fin d'accompagnement", blank=True)
    deja_essaye = models.TextField("ce qui a déjà été tenté", blank=True)
    freins_connus = models.TextField("freins connus", blank=True)
    canal_prefere = models.CharField("canal préféré", max_length=20, choices=Canal.choices, blank=True)
    moment_prefere = models.CharField("meilleur moment pour le joindre", max_length=200, blank=True)
    langues = models.CharField("langues parlées", max_length=200, blank=True)
    jeune_informe = models.BooleanField("le jeune est informé du signalement", null=True)
    # A relative (or the young person) signalling through the public form.
    declarant_nom = models.CharField("nom du déclarant", max_length=200, blank=True)
    declarant_contact = models.CharField("contact du déclarant", max_length=200, blank=True)
    declarant_lien = models.CharField("lien avec le jeune", max_length=100, blank=True)
    # False for a signalement through the public form (a relative, or someone saying they are the young person),
    # until a counsellor has looked at it or the young person accepted on their page: nothing is sent before.
    verifie = models.BooleanField("vérifié", default=True)
    # Contact details an unverified source gave: proposed to the counsellor, never written into a known record.
    telephone_propose = models.CharField("téléphone proposé", max_length=20, blank=True)
    email_propose = models.EmailField("courriel proposé", blank=True)
    # Fingerprint of a batch-file row, so that sending the same file again creates nothing.
    cle_import = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["organisation", "created_at"]),
            # The queue sets apart the few journeys waiting for a counsellor's check.
            models.Index(fields=["parcours"], condition=models.Q(verifie=False), name="signalement_non_verifie"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "cle_import"], condition=~models.Q(cle_import=""), name="unique_import_row"
            )
        ]

    def __str__(self):
        return f"Signalement du {self.created_at:%d/%m/%Y} par {self.organisation or self.get_source_display()}"


class EventKind(models.TextChoices):
    TRANSITION = "transition", "Changement de statut"
    SIGNALEMENT = "signalement", "Nouveau signalement"
    RENCONTRE = "rencontre", "Rencontre tripartite"
    AFFECTATION = "affectation", "Affectation à un conseiller"
    CONTACT = "contact", "Tentative de contact"
    MESSAGE = "message", "Message envoyé"
    REPONSE = "reponse", "Réponse du jeune"
    MESSAGE_JEUNE = "message_jeune", "Message du jeune"
    REPORT = "report", "Recontact reporté"
    OPPOSITION = "opposition", "Arrêt des messages"
    RENDEZ_VOUS = "rendez_vous", "Rendez-vous"
    DIAGNOSTIC = "diagnostic", "Diagnostic"
    VERIFICATION = "verification", "Signalement vérifié"
    DOUBLON = "doublon", "Doublon possible résolu"
    POINT_ETAPE = "point_etape", "Point d'étape"
    CLOTURE = "cloture", "Dossier clos"


# A first attempt to reach the young person: a contact (call, visit…) or a message sent.
ATTEMPT_KINDS = frozenset({EventKind.CONTACT, EventKind.MESSAGE})


class ParcoursEvent(AppendOnly):
    """Append-only log of the journey: every status change (who, when, from, to, why) and every other
    fact that counts in the indicators (a new signalement, a joint meeting); those keep the status."""

    parcours = models.ForeignKey(Parcours, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("nature", max_length=20, choices=EventKind.choices, default=EventKind.TRANSITION)
    from_status = models.CharField("de", max_length=30, choices=Status.choices, blank=True)
    to_status = models.CharField("vers", max_length=30, choices=Status.choices)
    reason = models.TextField("motif", blank=True)
    # Structured facts the indicators read (channel, outcome, message or appointment id…).
    detail = models.JSONField("détail", default=dict, blank=True)
    actor = models.ForeignKey("organisations.User", on_delete=models.SET_NULL, null=True, blank=True)
    occurred_at = models.DateTimeField("date")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "événement de parcours"
        ordering = ["occurred_at", "pk"]
        indexes = [
            models.Index(fields=["to_status", "occurred_at"]),
            # The queue's targets: has this journey had an attempt, reached a status, left "sortie à venir"?
            models.Index(fields=["parcours", "kind", "to_status", "from_status"], name="event_objectifs"),
        ]

    def __str__(self):
        return f"{self.get_from_status_display() or '∅'} → {self.get_to_status_display()}"
