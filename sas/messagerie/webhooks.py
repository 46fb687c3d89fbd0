"""The provider's webhooks: delivery status and inbound SMS. STOP is handled here; any other answer of a young
person is handed upward by the `reponse_recue` signal (messagerie knows no step)."""

import hashlib
import json
import re
import unicodedata
import uuid

from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone

from sas.jeunes.models import Jeune

from . import transitions
from .envoi import arreter, invalider, noter_envoi
from .models import CanalMessage, Destinataire, Message, MessageStatus, Notification, NotificationNature
from .politique import normaliser_numero

S = MessageStatus

# Sent with `jeune`, `via`, `at` and `texte` (what they wrote) when a young person answered (anything but STOP): the
# steps listening act on their open journeys.
reponse_recue = Signal()


# Provider callbacks

_DELIVRE = {"delivered", "delivre"}
_ENVOYE = {"sent", "accepted", "submitted", "envoye"}
_INVALIDE = {"hardbounce", "invalid", "invalidnumber", "blacklisted", "blocked"}
_REFUSE = {"rejected", "error", "failed", "undelivered", "skip", "skipped"}
_TEMPORAIRE = {"softbounce", "deferred"}
_DESABONNE = {"unsubscribed", "unsubscribe", "stop", "optout"}
_REPONSE = {"reply", "replied", "inbound"}


def _nom_evenement(valeur):
    return re.sub(r"[^a-z]", "", str(valeur or "").lower())


def _message_de(contenu):
    tags = contenu.get("tag") or contenu.get("tags") or []
    for tag in tags if isinstance(tags, list) else [tags]:
        try:
            message = Message.objects.filter(uuid=uuid.UUID(str(tag))).first()
        except ValueError:
            continue
        if message:
            return message
    reference = contenu.get("messageId") or contenu.get("message_id") or contenu.get("reference")
    if reference not in (None, ""):
        return Message.objects.filter(reference=str(reference)).first()
    return None


def _appliquer_statut(message_id, evenement, at, detail):
    """Move the message forward only: a late "sent" never undoes "delivered", a failure never undoes it either."""
    with transaction.atomic():
        message = transitions.verrouiller(message_id)
        avant = message.status
        if evenement in _DELIVRE and avant in (S.PROGRAMME, S.EN_COURS, S.ENVOYE):
            if avant != S.ENVOYE:
                noter_envoi(message, at)
            message.delivre_le = at
            transitions.transition(message, S.DELIVRE, at=at, champs=["delivre_le"])
        elif evenement in _ENVOYE and avant in (S.PROGRAMME, S.EN_COURS):
            noter_envoi(message, at)
        elif evenement in _INVALIDE | _REFUSE and avant in (S.PROGRAMME, S.EN_COURS, S.ENVOYE):
            message.erreur = f"{evenement} {detail}".strip()
            transitions.transition(message, S.ECHEC, at=at, precision=message.erreur, champs=["erreur"])
            if evenement in _INVALIDE:
                invalider(message, message.erreur, at)
        elif evenement in _TEMPORAIRE and avant in (S.EN_COURS, S.ENVOYE):
            message.erreur = f"{evenement} {detail}".strip()
            message.save(update_fields=["erreur"])
        else:
            return f"ignoré ({evenement} sur un message {message.get_status_display().lower()})"
        return f"{S(avant).label} → {S(message.status).label}"


def cle_de(nature, contenu):
    """What identifies one callback of the provider: its message id, event and date when it gives them, else the
    whole payload. The same callback posted again (a provider's retry, a replay) has the same key."""
    reference = contenu.get("messageId") or contenu.get("message_id") or contenu.get("id")
    if reference not in (None, ""):
        evenement = contenu.get("msg_status") or contenu.get("event") or contenu.get("status") or ""
        quand = contenu.get("date") or contenu.get("ts_event") or contenu.get("timestamp") or ""
        texte = f"{nature}|{reference}|{evenement}|{quand}"
    else:
        texte = f"{nature}|" + json.dumps(contenu, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(texte.encode()).hexdigest()


def _noter(nature, contenu, **champs):
    """The Notification of a first callback, or None for one already received (it is then ignored)."""
    try:
        with transaction.atomic():
            return Notification.objects.create(nature=nature, contenu=contenu, cle=cle_de(nature, contenu), **champs)
    except IntegrityError:
        return None


def traiter_statut(contenu, *, at=None):
    """A delivery callback (Brevo's shape, read tolerantly). Kept whatever it says; returns the Notification, or None
    when the same callback was already received."""
    at = at or timezone.now()
    evenement = _nom_evenement(contenu.get("msg_status") or contenu.get("event") or contenu.get("status"))
    message = _message_de(contenu)
    notification = _noter(NotificationNature.STATUT, contenu, message=message, evenement=evenement, recu_le=at)
    if notification is None:
        return None
    if message is None:
        effet = "message inconnu"
    elif message.nature != Destinataire.JEUNE and evenement in _DESABONNE | _REPONSE:
        # STOP and answers are a young person's; a professional's mailbox saying so changes nothing.
        effet = f"ignoré ({evenement} d'un destinataire {message.get_nature_display().lower()})"
    elif evenement in _DESABONNE:
        effet = "STOP" if arreter(message.jeune, via="sms", at=at) else "déjà arrêté"
    elif evenement in _REPONSE:
        effet = _reponse(message.jeune, _texte(contenu), at)
    else:
        detail = str(contenu.get("description") or contenu.get("reason") or "")
        effet = _appliquer_statut(message.pk, evenement, at, detail)
    Notification.objects.filter(pk=notification.pk).update(effet=effet[:200])
    notification.effet = effet
    return notification


# Inbound SMS

_STOP = {"STOP", "STOPSMS", "ARRET", "ARRETER", "STOPPER"}


def est_stop(texte):
    lettres = unicodedata.normalize("NFD", texte or "").encode("ascii", "ignore").decode().upper()
    return re.sub(r"[^A-Z]", "", lettres) in _STOP


def _texte(contenu):
    for cle in ("text", "content", "body", "message", "reply", "texte"):
        if isinstance(contenu.get(cle), str):
            return contenu[cle]
    return ""


def _reponse(jeune, texte, at):
    if est_stop(texte):
        return "STOP" if arreter(jeune, via="sms", at=at) else "déjà arrêté"
    reponse_recue.send(sender=Message, jeune=jeune, via="sms", at=at, texte=texte)
    return "réponse du jeune"


def traiter_entrant(contenu, *, at=None):
    """An SMS from a young person: STOP stops messages for good; anything else is their answer. Returns the
    Notification (kept even when the number is unknown), or None when the same SMS was already received."""
    at = at or timezone.now()
    numero = ""
    for cle in ("from", "sender", "msisdn", "phone", "numero", "number"):
        if contenu.get(cle):
            numero = normaliser_numero(contenu[cle])
            break
    jeunes = list(Jeune.objects.filter(telephone=numero, anonymised_at__isnull=True)) if numero else []
    dernier = (
        Message.objects.filter(jeune__in=jeunes, canal=CanalMessage.SMS).order_by("-prevu_le", "-pk").first()
        if jeunes
        else None
    )
    texte = _texte(contenu)
    notification = _noter(
        NotificationNature.ENTRANT,
        contenu,
        message=dernier,
        evenement="stop" if est_stop(texte) else "reponse",
        recu_le=at,
    )
    if notification is None:
        return None
    effets = [_reponse(jeune, texte, at) for jeune in jeunes]
    effet = ", ".join(effets) or "numéro inconnu"
    Notification.objects.filter(pk=notification.pk).update(effet=effet[:200])
    notification.effet = effet
    return notification
