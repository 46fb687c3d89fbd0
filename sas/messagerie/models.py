import uuid

from django.db import models
from django.utils import timezone

from sas.audit.models import AppendOnly


class CanalMessage(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "Courriel"
    COURRIER = "courrier", "Courrier"


class MessageStatus(models.TextChoices):
    PROGRAMME = "programme", "Programmé"
    EN_COURS = "en_cours", "Envoi en cours"
    ENVOYE = "envoye", "Envoyé"
    DELIVRE = "delivre", "Délivré"
    ECHEC = "echec", "Échec"
    ANNULE = "annule", "Annulé"


class Destinataire(models.TextChoices):
    JEUNE = "jeune", "Jeune"
    STRUCTURE = "structure", "Structure d'accueil"
    PRESCRIPTEUR = "prescripteur", "Prescripteur"
    PROFESSIONNEL = "professionnel", "Professionnel (son compte)"
    CONSEILLER = "conseiller", "Conseiller SAS"


# Not yet handed to the provider: what STOP, a pause or a cancelled appointment may still stop.
EN_ATTENTE = (MessageStatus.PROGRAMME,)
# What counts in the caps: planned, in flight, or gone out.
COMPTES = (MessageStatus.PROGRAMME, MessageStatus.EN_COURS, MessageStatus.ENVOYE, MessageStatus.DELIVRE)


# What staff see in place of the young person's token, in the stored text of a message.
MASQUE = "•••••"
# And in place of a verification code (distinct from MASQUE, so that each is put back in its place).
MASQUE_CODE = "######"


def _cle_par_defaut():
    return f"auto-{uuid.uuid4()}"


class Message(models.Model):
    """One message to a young person, a structure or a prescriber, on one channel; its life from planned to
    delivered (or not). Only messages to young people belong to a journey and follow the caps, quiet hours and
    STOP; the others are e-mails to professionals."""

    # Sent to the provider as the message's idempotency key (the SMS "tag"): a resend after a crash is dropped.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    nature = models.CharField(
        "destinataire (nature)", max_length=15, choices=Destinataire.choices, default=Destinataire.JEUNE
    )
    parcours = models.ForeignKey(
        "parcours.Parcours", on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    jeune = models.ForeignKey("jeunes.Jeune", on_delete=models.CASCADE, null=True, blank=True, related_name="messages")
    canal = models.CharField("canal", max_length=10, choices=CanalMessage.choices)
    gabarit = models.CharField("modèle", max_length=40)
    destinataire = models.CharField("destinataire", max_length=300)
    sujet = models.CharField("objet", max_length=200, blank=True)
    # With the young person's token masked (MASQUE): staff read messages, and the link is the young person's key.
    # The token is put back only when the message leaves (`texte_envoye`), from `lien`.
    corps = models.TextField("texte")
    lien = models.ForeignKey(
        "espace_jeune.LienJeune", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    # Another bearer link, built only at sending by the renderer its owner registered (liens.py): `lien_nature`
    # names the renderer, `lien_objet` what it builds the link for. Nothing of the token is stored.
    lien_nature = models.CharField("nature du lien", max_length=40, blank=True, editable=False)
    lien_objet = models.PositiveBigIntegerField("objet du lien", null=True, blank=True, editable=False)
    # The caller's idempotency key: the same key never makes a second message.
    cle = models.CharField("clé", max_length=200, unique=True, default=_cle_par_defaut)
    status = models.CharField("statut", max_length=10, choices=MessageStatus.choices, default=MessageStatus.PROGRAMME)
    actor = models.ForeignKey("organisations.User", on_delete=models.SET_NULL, null=True, blank=True)
    cree_le = models.DateTimeField("créé le", default=timezone.now)
    prevu_le = models.DateTimeField("prévu le")
    tente_le = models.DateTimeField("dernière tentative le", null=True, blank=True)
    envoye_le = models.DateTimeField("envoyé le", null=True, blank=True)
    delivre_le = models.DateTimeField("délivré le", null=True, blank=True)
    tentatives = models.PositiveSmallIntegerField("tentatives", default=0)
    erreur = models.TextField("erreur", blank=True)
    reference = models.CharField("référence du prestataire", max_length=100, blank=True)

    class Meta:
        ordering = ["prevu_le", "pk"]
        indexes = [
            models.Index(fields=["status", "prevu_le"]),
            models.Index(fields=["jeune", "prevu_le"]),
        ]

    def __str__(self):
        return f"{self.get_canal_display()} « {self.gabarit} » à {self.destinataire} ({self.get_status_display()})"

    @property
    def tag(self):
        return str(self.uuid)

    def texte_envoye(self, remplacements=None):
        """The text as it leaves: with the young person's own token in place of the mask, or the values a
        registered link renderer gave (`remplacements`, mask → value)."""
        if remplacements is None and self.lien_id is not None:
            remplacements = {MASQUE_CODE: self.lien.code_verification(), MASQUE: self.lien.token}
        texte = self.corps
        for masque, valeur in (remplacements or {}).items():
            texte = texte.replace(masque, valeur)
        return texte


class MessageEvent(AppendOnly):
    """Append-only log of a message's status: every move, written by transitions.transition() only."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField("de", max_length=10, choices=MessageStatus.choices, blank=True)
    to_status = models.CharField("vers", max_length=10, choices=MessageStatus.choices)
    precision = models.TextField("précision", blank=True)
    occurred_at = models.DateTimeField("date")

    class Meta:
        verbose_name = "événement de message"
        verbose_name_plural = "événements de messages"
        ordering = ["occurred_at", "pk"]

    def __str__(self):
        return f"{self.get_from_status_display() or '∅'} → {self.get_to_status_display()}"


class CanalInvalide(models.Model):
    """A phone number or address that failed for good: no more attempts on it until the counsellor corrects it."""

    jeune = models.ForeignKey("jeunes.Jeune", on_delete=models.CASCADE, related_name="canaux_invalides")
    canal = models.CharField("canal", max_length=10, choices=CanalMessage.choices)
    valeur = models.CharField("coordonnée", max_length=300)
    raison = models.TextField("raison")
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    constate_le = models.DateTimeField("constaté le", default=timezone.now)
    corrige_le = models.DateTimeField("corrigé le", null=True, blank=True)

    class Meta:
        verbose_name = "canal invalide"
        verbose_name_plural = "canaux invalides"
        ordering = ["-constate_le"]

    def __str__(self):
        return f"{self.get_canal_display()} {self.valeur} : {self.raison}"


class NotificationNature(models.TextChoices):
    STATUT = "statut", "Statut de remise"
    ENTRANT = "entrant", "SMS reçu"


class Notification(models.Model):
    """Every call of the provider's webhooks, kept as received (late, duplicated, unknown: nothing is lost)."""

    nature = models.CharField("nature", max_length=10, choices=NotificationNature.choices)
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications")
    evenement = models.CharField("événement", max_length=50, blank=True)
    contenu = models.JSONField("contenu reçu", default=dict)
    recu_le = models.DateTimeField("reçu le", default=timezone.now)
    effet = models.CharField("effet", max_length=200, blank=True)
    # The same callback twice (a retry, a replay) is kept once: see webhooks.cle_de().
    cle = models.CharField("clé d'unicité", max_length=64, unique=True, null=True, editable=False)

    class Meta:
        ordering = ["recu_le", "pk"]

    def __str__(self):
        return f"{self.get_nature_display()} {self.evenement} du {self.recu_le:%d/%m/%Y %H:%M}"


class RecuDemo(models.Model):
    """What a recipient received, as they received it (links included), kept only when SAS_DEMO is on: the demo's
    inbox stands in for the phones and mailboxes of people who have no account. Never written in production."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    destinataire = models.CharField("destinataire", max_length=300)
    nom = models.CharField("nom du destinataire", max_length=300, blank=True)
    texte = models.TextField("texte reçu")
    recu_le = models.DateTimeField("reçu le")

    class Meta:
        verbose_name = "message reçu (démonstration)"
        verbose_name_plural = "messages reçus (démonstration)"
        ordering = ["-recu_le", "-pk"]

    def __str__(self):
        return f"Reçu par {self.destinataire} le {self.recu_le:%d/%m/%Y %H:%M}"
