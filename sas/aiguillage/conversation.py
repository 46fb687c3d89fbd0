"""What the young person writes to the team, from their page or by answering an SMS: one conversation on the
journey page, a MESSAGE_JEUNE event in its timeline, the journey flagged "message non lu" in the queue until a
counsellor of the territory opens it, and its counsellor told by e-mail (where to read it, never what it says)."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sas.messagerie import envoi as messagerie
from sas.messagerie.models import Destinataire, Message
from sas.parcours import transitions
from sas.parcours.models import EventKind, Parcours
from sas.parcours.status import CLOSED

from .models import MessageJeune, ViaMessage
from .services import reponse_du_jeune

# What is kept of one SMS answer: several concatenated segments at most.
LONGUEUR_MAX_SMS = 1600


def recevoir(parcours, texte, *, via, at=None):
    """Store what the young person wrote on this journey: an answer (the cadence stops, the journey moves to
    "contacté" if it was before), then the message and its event. The counsellor is e-mailed when it is the first
    unread one, so that a burst of messages makes one e-mail. Returns the MessageJeune."""
    at = at or timezone.now()
    via = ViaMessage(via)
    with transaction.atomic():
        reponse_du_jeune(parcours, via=via.value, at=at)
        premier_non_lu = not parcours.messages_du_jeune.non_lus().exists()
        message = MessageJeune.objects.create(parcours=parcours, texte=texte.strip(), via=via, recu_le=at)
        transitions.record_fact(
            parcours,
            EventKind.MESSAGE_JEUNE,
            reason=via.label,
            at=at,
            detail={"message_jeune": message.pk, "via": via.value},
        )
    if premier_non_lu:
        prevenir_conseiller(parcours, message, at=at)
    return message


def prevenir_conseiller(parcours, message, *, at=None):
    """E-mail the journey's counsellor through messagerie; without one, the queue's badge tells the team. Returns
    the Message, or None."""
    conseiller = parcours.conseiller
    if conseiller is None or not conseiller.email:
        return None
    contexte = {
        "conseiller": conseiller.first_name or str(conseiller),
        "prenom": parcours.jeune.prenom,
        "lien": settings.SAS_SITE_URL + reverse("parcours:detail", args=[parcours.uuid]) + "#conversation",
    }
    return messagerie.envoyer_courriel_pro(
        conseiller.email,
        "conseiller_message_jeune",
        contexte,
        nature=Destinataire.CONSEILLER,
        cle=f"message-jeune-{message.pk}",
        at=at,
    )


def marquer_lus(parcours, *, actor, at=None):
    """A counsellor of the territory opened the journey: its unread messages are read. Returns their ids."""
    non_lus = parcours.messages_du_jeune.non_lus()
    ids = list(non_lus.values_list("pk", flat=True))
    if ids:
        MessageJeune.objects.filter(pk__in=ids).update(lu_le=at or timezone.now(), lu_par=actor)
    return ids


def fil(parcours):
    """The conversation, oldest first: (moment, "jeune" or "equipe", item) for what the young person wrote and for
    the messages sent to them (stored with their link masked)."""
    recus = [(m.recu_le, "jeune", m) for m in parcours.messages_du_jeune.all()]
    envoyes = [
        (m.envoye_le, "equipe", m)
        for m in Message.objects.filter(parcours=parcours, nature=Destinataire.JEUNE, envoye_le__isnull=False)
    ]
    return sorted(recus + envoyes, key=lambda entry: (entry[0], entry[1] == "jeune"))


def reponse_par_sms(sender, *, jeune, via, at, texte="", **kwargs):
    """Receiver of messagerie's `reponse_recue`: the young person's SMS answers each of their open journeys, and what
    it says joins each one's conversation."""
    texte = (texte or "").strip()[:LONGUEUR_MAX_SMS]
    for parcours in Parcours.objects.filter(jeune=jeune).exclude(status__in=CLOSED).select_related("jeune"):
        if texte:
            recevoir(parcours, texte, via=via, at=at)
        else:
            reponse_du_jeune(parcours, via=via, at=at)
