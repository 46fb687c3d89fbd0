"""Messages to young people: what may be sent, when, on which channel, and what became of it."""

import datetime
import logging
import re
import unicodedata
import uuid
import zoneinfo

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from sas.jeunes.models import Jeune
from sas.parcours.models import EventKind, Parcours
from sas.parcours.status import CLOSED, Status
from sas.parcours.transitions import record_fact

from . import gabarits
from .models import (
    COMPTES,
    EN_ATTENTE,
    MASQUE,
    MASQUE_CODE,
    CanalInvalide,
    CanalMessage,
    Message,
    MessageStatut,
    Notification,
    NotificationNature,
)
from .sms import ErreurEnvoi, ErreurTemporaire, envoyer_courriel, fournisseur_sms

logger = logging.getLogger(__name__)

# Nobody is flooded: at most this many unsolicited messages in any 7 days, and in all.
MAX_PAR_SEMAINE = 3
MAX_TOTAL = 12
FENETRE = datetime.timedelta(days=7)
# Provider errors and timeouts: retried after 5, 10, 20, 40 minutes, then given up.
MAX_TENTATIVES = 5
PREMIER_DELAI = datetime.timedelta(minutes=5)
# A message still "en cours" after this long was being sent by a worker that died: it is sent again.
DELAI_EN_COURS = datetime.timedelta(minutes=10)
# Quiet hours (Europe/Paris): nothing between 20:00 and 08:00, nothing on Sundays.
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
DEBUT_JOURNEE, FIN_JOURNEE = datetime.time(8, 0), datetime.time(20, 0)

S = MessageStatut


# Quiet hours


def autorise(moment):
    local = moment.astimezone(PARIS)
    return local.isoweekday() != 7 and DEBUT_JOURNEE <= local.time() < FIN_JOURNEE


def hors_silence(moment):
    """`moment`, or the next time messages are allowed (08:00, on the next day but Sunday)."""
    local = moment.astimezone(PARIS)
    while not autorise(local):
        jour = local.date() if local.time() < DEBUT_JOURNEE else local.date() + datetime.timedelta(days=1)
        local = datetime.datetime.combine(jour, DEBUT_JOURNEE, tzinfo=PARIS)
        if local.isoweekday() == 7:
            local += datetime.timedelta(days=1)
    return local


# Channels

_PREFERENCES = {"sms": CanalMessage.SMS, "appel": CanalMessage.SMS, "email": CanalMessage.EMAIL}
_PREFERENCES |= {"courrier": CanalMessage.COURRIER, "prescripteur": CanalMessage.COURRIER}


def _prescripteur(parcours):
    premier = parcours.signalements.select_related("organisation").order_by("created_at", "pk").first()
    return premier.organisation.nom if premier and premier.organisation else ""


def coordonnee(jeune, canal, prescripteur=""):
    """The number or address `canal` would use for `jeune`, or ""."""
    if canal == CanalMessage.SMS:
        return jeune.telephone
    if canal == CanalMessage.EMAIL:
        return jeune.email
    if jeune.adresse:
        return jeune.adresse
    if jeune.joignable_via_prescripteur:
        return f"À remettre par {prescripteur or 'le prescripteur'}"
    return ""


def canal_invalide(jeune, canal, valeur):
    return CanalInvalide.objects.filter(jeune=jeune, canal=canal, valeur=valeur, corrige_le__isnull=True).exists()


def choisir_canal(jeune, prescripteur=""):
    """(canal, coordonnée): the young person's choice, else SMS if a phone, else e-mail, else a letter; skipping
    numbers and addresses known to be wrong. (None, "") when nothing is left."""
    ordre = [CanalMessage.SMS, CanalMessage.EMAIL, CanalMessage.COURRIER]
    prefere = _PREFERENCES.get(jeune.canal_prefere)
    if prefere:
        ordre.remove(prefere)
        ordre.insert(0, prefere)
    for canal in ordre:
        valeur = coordonnee(jeune, canal, prescripteur)
        if valeur and not canal_invalide(jeune, canal, valeur):
            return canal, valeur
    return None, ""


# Scheduling


def _refus_personne(jeune, moment):
    if jeune.anonymised_at:
        return "dossier anonymisé"
    if jeune.messages_arretes_le:
        return f"messages arrêtés (STOP) le {timezone.localtime(jeune.messages_arretes_le):%d/%m/%Y}"
    if jeune.messages_en_pause_jusqu_au and jeune.messages_en_pause_jusqu_au > moment:
        return f"messages en pause jusqu'au {timezone.localtime(jeune.messages_en_pause_jusqu_au):%d/%m/%Y}"
    return ""


def _refus_parcours(parcours):
    # Withdrawn consent is final for the journey: nothing more is sent for it, whoever asks.
    if parcours.status == Status.CONSENTEMENT_RETIRE:
        return "consentement retiré"
    return ""


def _non_attendus():
    return [nom for nom, modele in gabarits.GABARITS.items() if not modele.attendu]


def _refus_plafond(jeune, moment):
    comptes = Message.objects.filter(jeune=jeune, statut__in=COMPTES, gabarit__in=_non_attendus())
    total = comptes.aggregate(
        total=Count("pk"), semaine=Count("pk", filter=Q(prevu_le__gt=moment - FENETRE, prevu_le__lt=moment + FENETRE))
    )
    if total["total"] >= MAX_TOTAL:
        return f"plafond atteint : {MAX_TOTAL} messages au total"
    if total["semaine"] >= MAX_PAR_SEMAINE:
        return f"plafond atteint : {MAX_PAR_SEMAINE} messages en 7 jours"
    return ""


def motif_refus(parcours, gabarit, *, canal=None, le=None):
    """Why `envoyer` would not send this message now ("" if it would)."""
    return _motif_refus(parcours, parcours.jeune, gabarit, canal, hors_silence(le or timezone.now()))


def _motif_refus(parcours, jeune, gabarit, canal, prevu):
    refus = _refus_parcours(parcours) or _refus_personne(jeune, prevu)
    if not refus and not gabarits.gabarit(gabarit).attendu:
        refus = _refus_plafond(jeune, prevu)
    if not refus:
        prescripteur = _prescripteur(parcours)
        if canal is None:
            refus = "" if choisir_canal(jeune, prescripteur)[0] else "aucun moyen de joindre le jeune"
        else:
            valeur = coordonnee(jeune, canal, prescripteur)
            if not valeur:
                refus = f"pas de coordonnée pour le canal {CanalMessage(canal).label}"
            elif canal_invalide(jeune, canal, valeur):
                refus = f"{CanalMessage(canal).label} à corriger ({valeur})"
    return refus


def _lien(parcours, prevu):
    from sas.espace_jeune.models import LienJeune

    return LienJeune.creer(parcours, at=prevu)


def _contexte(parcours, lien, prescripteur, contexte):
    conseiller = parcours.conseiller.first_name if parcours.conseiller_id else ""
    return {
        "prenom": parcours.jeune.prenom,
        "conseiller": conseiller,
        "prescripteur": prescripteur,
        "lien": lien.url,
        "code": lien.token,
        "stop": settings.SAS_SITE_URL + reverse("espace_jeune:stop", args=[lien.token]),
        "adresse_code": settings.SAS_SITE_URL + reverse("espace_jeune:code"),
        **(contexte or {}),
    }


def _rendre(gabarit, canal, valeurs):
    if canal == CanalMessage.SMS:
        return "", gabarits.rendre_sms(gabarit, valeurs)
    if canal == CanalMessage.EMAIL:
        return gabarits.rendre_courriel(gabarit, valeurs)
    return gabarits.rendre_courrier(gabarit, valeurs)


def _masquer(texte, lien, contexte):
    code = (contexte or {}).get("code_verification")
    if code:
        texte = texte.replace(code, MASQUE_CODE)
    return texte.replace(lien.token, MASQUE)


def envoyer(parcours, gabarit, *, canal=None, le=None, contexte=None, cle=None, auteur=None, lien=None):
    """Schedule template `gabarit` for the journey's young person; return the Message, or None when it must not be
    sent (STOP, pause, caps, no usable channel: the reason is logged).

    `lien` is the young person's link the message names (default: their current one). Its token, and a
    `code_verification` in `contexte`, are stored masked and put back only when the message leaves.

    `le` (default now) is moved out of quiet hours. `cle` is the idempotency key: a second call with the same key
    returns the first message. Letters wait for the counsellor to print them; SMS and e-mails go through a
    background task."""
    modele = gabarits.gabarit(gabarit)
    if cle:
        existant = Message.objects.filter(cle=cle).first()
        if existant:
            return existant
    prevu = (le or timezone.now()) if modele.immediat else hors_silence(le or timezone.now())
    try:
        with transaction.atomic():
            # Locked: two messages scheduled at once for the same person cannot both pass the caps.
            jeune = Jeune.objects.select_for_update().get(pk=parcours.jeune_id)
            refus = _motif_refus(parcours, jeune, gabarit, canal, prevu)
            if refus:
                logger.info("Message %s non envoyé au parcours %s : %s", gabarit, parcours.pk, refus)
                return None
            prescripteur = _prescripteur(parcours)
            if canal is None:
                canal, destinataire = choisir_canal(jeune, prescripteur)
            else:
                destinataire = coordonnee(jeune, canal, prescripteur)
            lien = lien or _lien(parcours, prevu)
            # Rendered with the real token, so that an SMS is cut to one segment as it will leave; stored masked.
            sujet, corps = _rendre(gabarit, canal, _contexte(parcours, lien, prescripteur, contexte))
            message = Message.objects.create(
                parcours=parcours,
                jeune=jeune,
                canal=canal,
                gabarit=gabarit,
                destinataire=destinataire,
                sujet=sujet,
                corps=_masquer(corps, lien, contexte),
                lien=lien,
                cle=cle or f"auto-{uuid.uuid4()}",
                auteur=auteur,
                prevu_le=prevu,
            )
            # In the same transaction as the message: the task exists if and only if the message does.
            if canal != CanalMessage.COURRIER:
                mettre_en_file(message)
    except IntegrityError:
        if not cle:
            raise
        # The same key, created meanwhile by a concurrent call.
        return Message.objects.get(cle=cle)
    return message


def mettre_en_file(message):
    from .tasks import envoyer_message

    tache = envoyer_message
    if tache.get_backend().supports_defer and message.prevu_le > timezone.now():
        tache = tache.using(run_after=message.prevu_le)
    tache.enqueue(message.pk)


def annuler(cle_prefix, *, at=None):
    """Cancel the messages not yet sent whose key starts with `cle_prefix`; return how many."""
    if not cle_prefix:
        raise ValueError("Préfixe de clé vide : cela annulerait tous les messages.")
    at = at or timezone.now()
    return Message.objects.filter(cle__startswith=cle_prefix, statut__in=EN_ATTENTE).update(
        statut=S.ANNULE, erreur=f"Annulé le {timezone.localtime(at):%d/%m/%Y %H:%M}"
    )


def annuler_parcours(parcours, *, raison):
    """Cancel every message of the journey not yet sent (whatever its key); return how many."""
    return Message.objects.filter(parcours=parcours, statut__in=EN_ATTENTE).update(statut=S.ANNULE, erreur=raison)


def arreter(jeune, *, via, at=None):
    """STOP: no more messages, for good. Cancels what is pending and writes an OPPOSITION event on each open
    journey. Idempotent: returns False when the messages were already stopped."""
    at = at or timezone.now()
    with transaction.atomic():
        courant = Jeune.objects.select_for_update().get(pk=jeune.pk)
        if courant.messages_arretes_le:
            jeune.messages_arretes_le = courant.messages_arretes_le
            return False
        Jeune.objects.filter(pk=jeune.pk).update(messages_arretes_le=at)
        jeune.messages_arretes_le = at
        Message.objects.filter(jeune=jeune, statut__in=EN_ATTENTE).update(
            statut=S.ANNULE, erreur=f"Le jeune a demandé l'arrêt des messages ({via})"
        )
        for parcours in Parcours.objects.filter(jeune=jeune).exclude(status__in=CLOSED):
            record_fact(
                parcours,
                EventKind.OPPOSITION,
                reason="Le jeune ne veut plus recevoir de messages.",
                at=at,
                detail={"via": via},
            )
    return True


# Sending


def _transmettre(message):
    if message.canal == CanalMessage.SMS:
        return fournisseur_sms().envoyer(message, message.texte_envoye())
    return envoyer_courriel(message, message.texte_envoye())


def _verrouiller(message_id):
    # Only the message row is locked, not the journey a status change may be locking.
    return (
        Message.objects.select_for_update(of=("self",))
        .select_related("jeune", "parcours", "auteur", "lien")
        .filter(pk=message_id)
        .first()
    )


def _noter_envoi(message, at, reference=""):
    """PROGRAMME/EN_COURS → ENVOYE, with the MESSAGE event (the contact attempt), exactly once."""
    message.statut, message.envoye_le, message.erreur = S.ENVOYE, at, ""
    message.reference = message.reference or reference
    message.save(update_fields=["statut", "envoye_le", "erreur", "reference", "auteur"])
    record_fact(
        message.parcours,
        EventKind.MESSAGE,
        actor=message.auteur,
        at=at,
        detail={"canal": message.canal, "message": message.pk, "gabarit": message.gabarit},
    )


def _invalider(message, raison, at):
    CanalInvalide.objects.get_or_create(
        jeune=message.jeune,
        canal=message.canal,
        valeur=message.destinataire,
        corrige_le=None,
        defaults={"raison": raison, "message": message, "constate_le": at},
    )


def expedier(message_id, *, at=None):
    """Send one message if it is still planned and due; return its status afterwards.

    The row is claimed (EN_COURS) under a lock, then the provider is called outside any transaction. Temporary
    errors reschedule it with exponential backoff; definitive ones fail it at once, and a wrong number or address
    is recorded so that the counsellor corrects it."""
    at = at or timezone.now()
    with transaction.atomic():
        message = _verrouiller(message_id)
        if message is None:
            return None
        if message.statut != S.PROGRAMME or message.canal == CanalMessage.COURRIER or message.prevu_le > at:
            return message.statut
        if not autorise(at) and not gabarits.gabarit(message.gabarit).immediat:
            message.prevu_le = hors_silence(at)
            message.save(update_fields=["prevu_le"])
            mettre_en_file(message)
            return message.statut
        refus = _refus_parcours(message.parcours) or _refus_personne(message.jeune, at)
        if not refus and message.lien is not None and message.lien.revoked_at:
            # A withdrawn link must not come back by a message planned before.
            refus = "lien personnel révoqué"
        if not refus and canal_invalide(message.jeune, message.canal, message.destinataire):
            refus = f"{message.get_canal_display()} à corriger"
        if refus:
            message.statut, message.erreur = S.ANNULE, refus
            message.save(update_fields=["statut", "erreur"])
            return message.statut
        message.statut, message.tente_le, message.tentatives = S.EN_COURS, at, message.tentatives + 1
        message.save(update_fields=["statut", "tente_le", "tentatives"])
    try:
        reference = _transmettre(message)
    except ErreurEnvoi as erreur:
        return _conclure_echec(message_id, erreur, at)
    except Exception as erreur:
        # A bug or a misconfiguration: retried like a provider error (and given up after as many attempts).
        logger.exception("Envoi du message %s", message_id)
        return _conclure_echec(message_id, ErreurTemporaire(f"Erreur inattendue : {erreur!r}"), at)
    return _conclure_envoi(message_id, reference, at)


def _conclure_envoi(message_id, reference, at):
    with transaction.atomic():
        message = _verrouiller(message_id)
        if message.statut in (S.EN_COURS, S.PROGRAMME):
            _noter_envoi(message, at, reference)
        elif not message.reference and reference:
            # A delivery callback got here first.
            message.reference = reference
            message.save(update_fields=["reference"])
        return message.statut


def _conclure_echec(message_id, erreur, at):
    with transaction.atomic():
        message = _verrouiller(message_id)
        if message.statut != S.EN_COURS:
            return message.statut
        message.erreur = str(erreur)
        if erreur.definitive or message.tentatives >= MAX_TENTATIVES:
            message.statut = S.ECHEC
            if not erreur.definitive:
                message.erreur = f"Abandon après {message.tentatives} tentatives : {erreur}"
            if erreur.canal_invalide:
                _invalider(message, str(erreur), at)
        else:
            message.statut = S.PROGRAMME
            message.prevu_le = hors_silence(at + PREMIER_DELAI * 2 ** (message.tentatives - 1))
        message.save(update_fields=["statut", "erreur", "prevu_le"])
        if message.statut == S.PROGRAMME:
            mettre_en_file(message)
        return message.statut


def messages_dus(at=None):
    """(stuck, due): messages left "en cours" by a dead worker, and planned messages whose time has come."""
    at = at or timezone.now()
    bloques = Message.objects.filter(statut=S.EN_COURS, tente_le__lt=at - DELAI_EN_COURS)
    dus = Message.objects.filter(statut=S.PROGRAMME, prevu_le__lte=at).exclude(canal=CanalMessage.COURRIER)
    return list(bloques.order_by("pk")), list(dus.order_by("prevu_le", "pk"))


def envoyer_dus(*, wet_run=False, at=None):
    """The recovery path: send what is due, and again what a dead worker left half-sent (the provider drops the
    duplicate thanks to the message's tag). Returns (stuck, due, {status: count})."""
    at = at or timezone.now()
    bloques, dus = messages_dus(at)
    bilan = {}
    if not wet_run:
        return bloques, dus, bilan
    for message in bloques:
        interrompu = Message.objects.filter(pk=message.pk, statut=S.EN_COURS, tente_le=message.tente_le)
        if message.tentatives >= MAX_TENTATIVES:
            interrompu.update(statut=S.ECHEC, erreur=f"Envoi interrompu {message.tentatives} fois : abandon")
        else:
            interrompu.update(statut=S.PROGRAMME)
    for message in [*bloques, *dus]:
        statut = expedier(message.pk, at=at)
        bilan[statut] = bilan.get(statut, 0) + 1
    return bloques, dus, bilan


def marquer_poste(message, *, auteur, at=None):
    """The counsellor printed and posted (or handed over) a letter: it counts as sent. Idempotent."""
    at = at or timezone.now()
    with transaction.atomic():
        courant = _verrouiller(message.pk)
        if courant.canal != CanalMessage.COURRIER or courant.statut != S.PROGRAMME:
            return False
        courant.auteur = courant.auteur or auteur
        _noter_envoi(courant, at)
    message.statut = S.ENVOYE
    return True


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
        message = _verrouiller(message_id)
        avant = message.statut
        if evenement in _DELIVRE and avant in (S.PROGRAMME, S.EN_COURS, S.ENVOYE):
            if avant != S.ENVOYE:
                _noter_envoi(message, at)
            message.statut, message.delivre_le = S.DELIVRE, at
            message.save(update_fields=["statut", "delivre_le"])
        elif evenement in _ENVOYE and avant in (S.PROGRAMME, S.EN_COURS):
            _noter_envoi(message, at)
        elif evenement in _INVALIDE | _REFUSE and avant in (S.PROGRAMME, S.EN_COURS, S.ENVOYE):
            message.statut, message.erreur = S.ECHEC, f"{evenement} {detail}".strip()
            message.save(update_fields=["statut", "erreur"])
            if evenement in _INVALIDE:
                _invalider(message, message.erreur, at)
        elif evenement in _TEMPORAIRE and avant in (S.EN_COURS, S.ENVOYE):
            message.erreur = f"{evenement} {detail}".strip()
            message.save(update_fields=["erreur"])
        else:
            return f"ignoré ({evenement} sur un message {message.get_statut_display().lower()})"
        return f"{S(avant).label} → {S(message.statut).label}"


def traiter_statut(contenu, *, at=None):
    """A delivery callback (Brevo's shape, read tolerantly). Kept whatever it says; returns the Notification."""
    at = at or timezone.now()
    evenement = _nom_evenement(contenu.get("msg_status") or contenu.get("event") or contenu.get("status"))
    message = _message_de(contenu)
    notification = Notification.objects.create(
        nature=NotificationNature.STATUT, message=message, evenement=evenement, contenu=contenu, recu_le=at
    )
    if message is None:
        effet = "message inconnu"
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


def normaliser_numero(numero):
    """E.164 ("+33612345678") from what providers send ("33612345678", "+33 6…", "06…"), or ""."""
    numero = re.sub(r"[^\d+]", "", str(numero or ""))
    if numero and not numero.startswith(("+", "0")):
        numero = "+" + numero
    try:
        parsed = phonenumbers.parse(numero, "FR")
    except phonenumbers.NumberParseException:
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _texte(contenu):
    for cle in ("text", "content", "body", "message", "reply", "texte"):
        if isinstance(contenu.get(cle), str):
            return contenu[cle]
    return ""


def _reponse(jeune, texte, at):
    if est_stop(texte):
        return "STOP" if arreter(jeune, via="sms", at=at) else "déjà arrêté"
    from sas.aiguillage.services import reponse_du_jeune

    for parcours in Parcours.objects.filter(jeune=jeune).exclude(status__in=CLOSED):
        reponse_du_jeune(parcours, via="sms", at=at)
    return "réponse du jeune"


def traiter_entrant(contenu, *, at=None):
    """An SMS from a young person: STOP stops messages for good; anything else is their answer. Returns the
    Notification (kept even when the number is unknown)."""
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
    notification = Notification.objects.create(
        nature=NotificationNature.ENTRANT,
        message=dernier,
        evenement="stop" if est_stop(texte) else "reponse",
        contenu=contenu,
        recu_le=at,
    )
    effets = [_reponse(jeune, texte, at) for jeune in jeunes]
    effet = ", ".join(effets) or "numéro inconnu"
    Notification.objects.filter(pk=notification.pk).update(effet=effet[:200])
    notification.effet = effet
    return notification


# The counsellor's side


def corriger_coordonnee(jeune, canal, valeur, *, at=None):
    """The counsellor enters a new number or address after a failure. Raises ValidationError (French)."""
    at = at or timezone.now()
    valeur = (valeur or "").strip()
    if canal == CanalMessage.SMS:
        numero = normaliser_numero(valeur)
        if not numero or not phonenumbers.is_valid_number(phonenumbers.parse(numero)):
            raise ValidationError("Ce numéro de téléphone n'est pas valide (exemple : 06 12 34 56 78).")
        valeur, champ = numero, "telephone"
    elif canal == CanalMessage.EMAIL:
        validate_email(valeur)
        valeur, champ = valeur.lower(), "email"
    else:
        raise ValidationError("Seuls le téléphone et le courriel se corrigent ici.")
    with transaction.atomic():
        Jeune.objects.filter(pk=jeune.pk).update(**{champ: valeur, "updated_at": at})
        setattr(jeune, champ, valeur)
        CanalInvalide.objects.filter(jeune=jeune, canal=canal, corrige_le__isnull=True).update(corrige_le=at)
    return valeur


def annoter_alertes(parcours_queryset):
    """Adds `canal_a_corriger` (a number or address failed for good) and `messages_en_echec` (count) to each
    journey, for the queue."""
    return parcours_queryset.annotate(
        canal_a_corriger=Exists(CanalInvalide.objects.filter(jeune=OuterRef("jeune"), corrige_le__isnull=True)),
        messages_en_echec=Count("messages", filter=Q(messages__statut=S.ECHEC), distinct=True),
    )
