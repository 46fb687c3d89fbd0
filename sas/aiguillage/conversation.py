"""What the young person writes to the team, from their page or by answering an SMS: one conversation on the
journey page, a MESSAGE_JEUNE event in its timeline, the journey flagged "message non lu" in the queue until a
counsellor of the territory opens it, and its counsellor told by e-mail (where to read it, never what it says).
The counsellor answers in the same conversation: the answer leaves through messagerie on the young person's channel
and joins the timeline when it is sent."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from sas.messagerie import envoi as messagerie
from sas.messagerie.models import Destinataire, Message, MessageStatus
from sas.parcours import transitions
from sas.parcours.models import EventKind, Parcours
from sas.parcours.status import CLOSED

from .models import MessageJeune, ViaMessage
from .services import reponse_du_jeune

# What is kept of one SMS answer: several concatenated segments at most.
LONGUEUR_MAX_SMS = 1600
# A counsellor's answer: three SMS segments at most once signed and linked (messagerie's "reponse_conseiller").
LONGUEUR_MAX_REPONSE = 300
REPONSE = "reponse_conseiller"


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


def repondre(parcours, texte, *, actor, at=None):
    """Send the counsellor's answer to the young person, signed with their first name, on the channel messagerie
    chooses (the young person's preferred one). Raises ValidationError (in French) and sends nothing when the text is
    empty or too long, or when no message may reach them (STOP, closed journey, no usable contact). Returns the
    Message."""
    texte = " ".join((texte or "").split())
    if not texte:
        raise ValidationError("Écrivez votre réponse avant de l'envoyer.", code="empty")
    if len(texte) > LONGUEUR_MAX_REPONSE:
        raise ValidationError(
            f"Votre réponse fait {len(texte)} caractères : {LONGUEUR_MAX_REPONSE} caractères au plus, pour tenir en"
            " quelques SMS.",
            code="long",
        )
    message = messagerie.envoyer(
        parcours,
        REPONSE,
        at=at,
        contexte={"reponse": texte, "conseiller": actor.first_name},
        cle=f"reponse-{uuid.uuid4()}",
        actor=actor,
    )
    if message is None:
        raise ValidationError(
            "Votre réponse ne peut pas partir : le jeune a demandé à ne plus recevoir de messages, son parcours est"
            " clos, ou aucune de ses coordonnées n'est utilisable. Appelez-le si vous le pouvez.",
            code="refused",
        )
    return message


def marquer_lus(parcours, *, actor, at=None):
    """A counsellor of the territory opened the journey: its unread messages are read. Returns their ids."""
    non_lus = parcours.messages_du_jeune.non_lus()
    ids = list(non_lus.values_list("pk", flat=True))
    if ids:
        MessageJeune.objects.filter(pk__in=ids).update(lu_le=at or timezone.now(), lu_par=actor)
    return ids


def fil(parcours):
    """The conversation, oldest first: (moment, "jeune" or "equipe", item) for what the young person wrote and for
    the messages sent to them (stored with their link masked), with the counsellors' answers still waiting to leave
    (quiet hours) at the moment they will."""
    recus = [(m.recu_le, "jeune", m) for m in parcours.messages_du_jeune.all()]
    a_envoyer = Q(gabarit=REPONSE, status__in=[MessageStatus.PROGRAMME, MessageStatus.EN_COURS])
    envoyes = [
        (m.envoye_le or m.prevu_le, "equipe", m)
        for m in Message.objects.filter(
            Q(envoye_le__isnull=False) | a_envoyer, parcours=parcours, nature=Destinataire.JEUNE
        ).select_related("actor")
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
