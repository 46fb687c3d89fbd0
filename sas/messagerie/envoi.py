"""Sending: schedule a message (to a young person under the policy, or an e-mail to a professional), queue it for
the worker, send it once with retries, cancel what is pending."""

import datetime
import logging
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from sas.jeunes.models import Jeune
from sas.parcours.models import EventKind, Parcours
from sas.parcours.status import CLOSED
from sas.parcours.transitions import record_fact

from . import gabarits, liens, politique, transitions
from .courriel import envoyer_courriel
from .erreurs import ErreurEnvoi, ErreurTemporaire
from .models import MASQUE, MASQUE_CODE, CanalInvalide, CanalMessage, Destinataire, Message, MessageStatus, RecuDemo
from .sms import fournisseur_sms

logger = logging.getLogger(__name__)

# Provider errors and timeouts: retried after 5, 10, 20, 40 minutes, then given up.
MAX_TENTATIVES = 5
PREMIER_DELAI = datetime.timedelta(minutes=5)
# A message still "en cours" after this long was being sent by a worker that died: it is sent again.
DELAI_EN_COURS = datetime.timedelta(minutes=10)

S = MessageStatus


# Scheduling, to a young person


def _contexte(parcours, lien, prescripteur, contexte):
    conseiller = parcours.conseiller.first_name if parcours.conseiller_id else ""
    return {
        "prenom": parcours.jeune.prenom,
        "conseiller": conseiller,
        "prescripteur": prescripteur,
        **liens.lien_jeune().contexte(lien),
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


def envoyer(
    parcours, gabarit, *, canal=None, at=None, contexte=None, cle=None, actor=None, lien=None, destinataire=None
):
    """Schedule template `gabarit` for the journey's young person; return the Message, or None when it must not be
    sent (STOP, pause, caps, no usable channel: the reason is logged).

    `lien` is the young person's link the message names (default: their current one). Its token, and a
    `code_verification` in `contexte`, are stored masked and put back only when the message leaves.

    `at` (default now) is moved out of quiet hours. `cle` is the idempotency key: a second call with the same key
    returns the first message. Letters wait for the counsellor to print them; SMS and e-mails go through a
    background task.

    `destinataire` (with `canal`) is a new address the young person gave and must confirm with a code before it is
    recorded: the message goes there instead of to the address on file."""
    modele = gabarits.gabarit(gabarit)
    if cle:
        existant = Message.objects.filter(cle=cle).first()
        if existant:
            return existant
    prevu = (at or timezone.now()) if modele.immediat else politique.hors_silence(at or timezone.now())
    try:
        with transaction.atomic():
            # Locked: two messages scheduled at once for the same person cannot both pass the caps.
            jeune = Jeune.objects.select_for_update().get(pk=parcours.jeune_id)
            refus = politique.motif_refus_pour(parcours, jeune, gabarit, None if destinataire else canal, prevu)
            if refus:
                logger.info("Message %s non envoyé au parcours %s : %s", gabarit, parcours.pk, refus)
                return None
            prescripteur = politique.prescripteur_de(parcours)
            if destinataire is None and canal is None:
                canal, destinataire = politique.choisir_canal(jeune, prescripteur)
            elif destinataire is None:
                destinataire = politique.coordonnee(jeune, canal, prescripteur)
            lien = lien or liens.lien_jeune().creer(parcours, at=prevu)
            # Rendered with the real token, so that an SMS is cut to one segment as it will leave; stored masked.
            sujet, corps = _rendre(gabarit, canal, _contexte(parcours, lien, prescripteur, contexte))
            message = transitions.start(
                Message(
                    nature=Destinataire.JEUNE,
                    parcours=parcours,
                    jeune=jeune,
                    canal=canal,
                    gabarit=gabarit,
                    destinataire=destinataire,
                    sujet=sujet,
                    corps=_masquer(corps, lien, contexte),
                    lien=lien,
                    cle=cle or f"auto-{uuid.uuid4()}",
                    actor=actor,
                    prevu_le=prevu,
                ),
                at=timezone.now(),
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


# Scheduling, to a professional


def envoyer_courriel_pro(adresse, gabarit, contexte, *, nature, cle, lien=None, at=None, en_file=False):
    """E-mail template `gabarit` (gabarits.COURRIELS_PROS) to a structure or a prescriber; return the Message.

    No caps, quiet hours nor STOP: those protect young people. A bearer link in it, `lien` = (nature, object), is
    built at sending by the renderer registered as that nature, for that object, the stored text keeping its mask.
    The first attempt is made at once, so the caller knows how it went (`message.statut`); a temporary failure is
    retried by the worker; with `en_file` the worker makes the first attempt too (the caller must not wait on, or be
    told about, the e-mail server). `cle` is the idempotency key: a second call with it returns the first message,
    untouched."""
    at = at or timezone.now()
    existant = Message.objects.filter(cle=cle).first()
    if existant:
        return existant
    sujet, corps = gabarits.rendre_courriel_pro(gabarit, contexte)
    lien_nature, lien_objet = lien or ("", None)
    try:
        with transaction.atomic():
            message = transitions.start(
                Message(
                    nature=nature,
                    canal=CanalMessage.EMAIL,
                    gabarit=gabarit,
                    destinataire=adresse,
                    sujet=sujet,
                    corps=corps,
                    lien_nature=lien_nature,
                    lien_objet=lien_objet,
                    cle=cle,
                    prevu_le=at,
                ),
                at=at,
            )
            if en_file:
                mettre_en_file(message)
    except IntegrityError:
        # The same key, created meanwhile by a concurrent call.
        return Message.objects.get(cle=cle)
    if en_file:
        return message
    expedier(message.pk, at=at)
    message.refresh_from_db()
    return message


# The queue


@task()
def envoyer_message(message_id):
    """Send one message when due (see expedier: never twice, retried with backoff)."""
    return expedier(message_id)


def mettre_en_file(message):
    tache = envoyer_message
    if tache.get_backend().supports_defer and message.prevu_le > timezone.now():
        tache = tache.using(run_after=message.prevu_le)
    tache.enqueue(message.pk)


def annuler(cle_prefix, *, at=None):
    """Cancel the messages not yet sent whose key starts with `cle_prefix`; return how many."""
    if not cle_prefix:
        raise ValueError("Préfixe de clé vide : cela annulerait tous les messages.")
    at = at or timezone.now()
    return transitions.annuler_en_masse(
        Message.objects.filter(cle__startswith=cle_prefix),
        erreur=f"Annulé le {timezone.localtime(at):%d/%m/%Y %H:%M}",
        at=at,
    )


def annuler_parcours(parcours, *, raison, at=None):
    """Cancel every message of the journey not yet sent (whatever its key); return how many."""
    return transitions.annuler_en_masse(Message.objects.filter(parcours=parcours), erreur=raison, at=at)


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
        transitions.annuler_en_masse(
            Message.objects.filter(jeune=jeune), erreur=f"Le jeune a demandé l'arrêt des messages ({via})", at=at
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


def _transmettre(message, texte, at):
    if message.canal == CanalMessage.SMS:
        reference = fournisseur_sms().envoyer(message, texte)
    else:
        reference = envoyer_courriel(message, texte)
    _deposer_en_demo(message, texte, at)
    return reference


def _deposer_en_demo(message, texte, at):
    """In the demo only, keep what the recipient received for the demo inbox (/demo/messages/)."""
    if settings.SAS_DEMO:
        nom = str(message.jeune) if message.jeune_id else message.get_nature_display()
        RecuDemo.objects.create(message=message, destinataire=message.destinataire, nom=nom, texte=texte, recu_le=at)


def noter_envoi(message, at, reference=""):
    """PROGRAMME/EN_COURS → ENVOYE, with the MESSAGE event (the contact attempt) for a young person, exactly once."""
    message.envoye_le, message.erreur = at, ""
    message.reference = message.reference or reference
    transitions.transition(message, S.ENVOYE, at=at, champs=["envoye_le", "erreur", "reference", "actor"])
    if message.parcours_id:
        record_fact(
            message.parcours,
            EventKind.MESSAGE,
            actor=message.actor,
            at=at,
            detail={"canal": message.canal, "message": message.pk, "gabarit": message.gabarit},
        )


def invalider(message, raison, at):
    """A number or address that failed for good: recorded for the counsellor to correct (young people only)."""
    if message.jeune_id is None:
        return
    CanalInvalide.objects.get_or_create(
        jeune=message.jeune,
        canal=message.canal,
        valeur=message.destinataire,
        corrige_le=None,
        defaults={"raison": raison, "message": message, "constate_le": at},
    )


def _refus(message, at):
    """Why a planned message to a young person must not go any more ("" if it may)."""
    refus = politique.refus_parcours(message.parcours) or politique.refus_personne(message.jeune, at)
    if not refus and message.lien is not None and message.lien.revoked_at:
        # A withdrawn link must not come back by a message planned before.
        refus = "lien personnel révoqué"
    if not refus and politique.canal_invalide(message.jeune, message.canal, message.destinataire):
        refus = f"{message.get_canal_display()} à corriger"
    return refus


def _reserver(message_id, at):
    """Claim the message (EN_COURS) if it is planned, due and still allowed; (message, None) when claimed, else
    (None, its status)."""
    with transaction.atomic():
        message = transitions.verrouiller(message_id)
        if message is None:
            return None, None
        if message.status != S.PROGRAMME or message.canal == CanalMessage.COURRIER or message.prevu_le > at:
            return None, message.status
        pour_jeune = message.nature == Destinataire.JEUNE
        if pour_jeune and not politique.autorise(at) and not gabarits.gabarit(message.gabarit).immediat:
            message.prevu_le = politique.hors_silence(at)
            message.save(update_fields=["prevu_le"])
            mettre_en_file(message)
            return None, message.status
        refus = _refus(message, at) if pour_jeune else ""
        if refus:
            message.erreur = refus
            transitions.transition(message, S.ANNULE, at=at, precision=refus, champs=["erreur"])
            return None, message.status
        message.tente_le, message.tentatives = at, message.tentatives + 1
        transitions.transition(message, S.EN_COURS, at=at, champs=["tente_le", "tentatives"])
    return message, message.status


def expedier(message_id, *, at=None):
    """Send one message if it is still planned and due; return its status afterwards.

    The row is claimed (EN_COURS) under a lock, then the provider is called outside any transaction. Temporary
    errors reschedule it with exponential backoff; definitive ones fail it at once, and a wrong number or address
    is recorded so that the counsellor corrects it. A link built at sending is asked for just before the
    provider, and told how it went."""
    at = at or timezone.now()
    message, status = _reserver(message_id, at)
    if message is None:
        return status
    preparation = None
    try:
        if message.lien_nature:
            preparation = liens.rendu(message.lien_nature).preparer(message, at)
            if preparation is None:
                return _conclure_annulation(message_id, "lien révoqué ou orientation terminée", at)
        texte = message.texte_envoye(preparation.remplacements if preparation else None)
        reference = _transmettre(message, texte, at)
    except ErreurEnvoi as erreur:
        return _echec(message_id, erreur, at, preparation)
    except Exception as erreur:
        # A bug or a misconfiguration: retried like a provider error (and given up after as many attempts).
        logger.exception("Envoi du message %s", message_id)
        return _echec(message_id, ErreurTemporaire(f"Erreur inattendue : {erreur!r}"), at, preparation)
    status = _conclure_envoi(message_id, reference, at)
    if preparation is not None:
        preparation.envoye(at)
    return status


def _echec(message_id, erreur, at, preparation):
    if preparation is not None:
        # The link built for this attempt went nowhere: it stops working, the earlier one stays.
        preparation.echoue(at, erreur)
    return _conclure_echec(message_id, erreur, at)


def _conclure_annulation(message_id, raison, at):
    with transaction.atomic():
        message = transitions.verrouiller(message_id)
        if message.status == S.EN_COURS:
            message.erreur = raison
            transitions.transition(message, S.ANNULE, at=at, precision=raison, champs=["erreur"])
        return message.status


def _conclure_envoi(message_id, reference, at):
    with transaction.atomic():
        message = transitions.verrouiller(message_id)
        if message.status in (S.EN_COURS, S.PROGRAMME):
            noter_envoi(message, at, reference)
        elif not message.reference and reference:
            # A delivery callback got here first.
            message.reference = reference
            message.save(update_fields=["reference"])
        return message.status


def _conclure_echec(message_id, erreur, at):
    with transaction.atomic():
        message = transitions.verrouiller(message_id)
        if message.status != S.EN_COURS:
            return message.status
        message.erreur = str(erreur)
        if erreur.definitive or message.tentatives >= MAX_TENTATIVES:
            if not erreur.definitive:
                message.erreur = f"Abandon après {message.tentatives} tentatives : {erreur}"
            transitions.transition(message, S.ECHEC, at=at, precision=message.erreur, champs=["erreur"])
            if erreur.canal_invalide:
                invalider(message, str(erreur), at)
        else:
            retard = at + PREMIER_DELAI * 2 ** (message.tentatives - 1)
            # Quiet hours protect young people; a structure's e-mail is retried as soon as it is due.
            message.prevu_le = politique.hors_silence(retard) if message.nature == Destinataire.JEUNE else retard
            transitions.transition(message, S.PROGRAMME, at=at, precision=message.erreur, champs=["erreur", "prevu_le"])
            mettre_en_file(message)
        return message.status


def messages_dus(at=None):
    """(stuck, due): messages left "en cours" by a dead worker, and planned messages whose time has come."""
    at = at or timezone.now()
    bloques = Message.objects.filter(status=S.EN_COURS, tente_le__lt=at - DELAI_EN_COURS)
    dus = Message.objects.filter(status=S.PROGRAMME, prevu_le__lte=at).exclude(canal=CanalMessage.COURRIER)
    return list(bloques.order_by("pk")), list(dus.order_by("prevu_le", "pk"))


def _reprendre(message, at):
    """A message a dead worker left "en cours": planned again, or given up after too many attempts."""
    with transaction.atomic():
        courant = transitions.verrouiller(message.pk)
        if courant.status != S.EN_COURS or courant.tente_le != message.tente_le:
            return
        if courant.tentatives >= MAX_TENTATIVES:
            courant.erreur = f"Envoi interrompu {courant.tentatives} fois : abandon"
            transitions.transition(courant, S.ECHEC, at=at, precision=courant.erreur, champs=["erreur"])
        else:
            transitions.transition(courant, S.PROGRAMME, at=at, precision="envoi interrompu")


def envoyer_dus(*, wet_run=False, at=None):
    """The recovery path: send what is due, and again what a dead worker left half-sent (the provider drops the
    duplicate thanks to the message's tag). Returns (stuck, due, {status: count})."""
    at = at or timezone.now()
    bloques, dus = messages_dus(at)
    bilan = {}
    if not wet_run:
        return bloques, dus, bilan
    for message in bloques:
        _reprendre(message, at)
    for message in [*bloques, *dus]:
        status = expedier(message.pk, at=at)
        bilan[status] = bilan.get(status, 0) + 1
    return bloques, dus, bilan


def marquer_poste(message, *, actor, at=None):
    """The counsellor printed and posted (or handed over) a letter: it counts as sent. Idempotent."""
    at = at or timezone.now()
    with transaction.atomic():
        courant = transitions.verrouiller(message.pk)
        if courant.canal != CanalMessage.COURRIER or courant.status != S.PROGRAMME:
            return False
        courant.actor = courant.actor or actor
        noter_envoi(courant, at)
        _deposer_en_demo(courant, courant.texte_envoye(), at)
    message.refresh_from_db(fields=["status", "envoye_le"])
    return True
