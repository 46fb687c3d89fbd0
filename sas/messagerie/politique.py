"""Sending policy for messages to young people: quiet hours, caps, channel choice, and why a message must not go."""

import datetime
import re
import zoneinfo

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from sas.jeunes.models import Jeune
from sas.parcours.status import Status

from . import gabarits
from .models import COMPTES, CanalInvalide, CanalMessage, Message, MessageStatus

# Nobody is flooded: at most this many unsolicited messages in any 7 days, and in all.
MAX_PAR_SEMAINE = 3
MAX_TOTAL = 12
FENETRE = datetime.timedelta(days=7)
# Quiet hours (Europe/Paris, settings.SAS_ENVOI_*): by default nothing between 20:00 and 08:00, nothing on Sundays.
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


# Quiet hours


def autorise(moment):
    local = moment.astimezone(PARIS)
    return (
        local.isoweekday() not in settings.SAS_ENVOI_JOURS_FERMES
        and settings.SAS_ENVOI_DEBUT <= local.time() < settings.SAS_ENVOI_FIN
    )


def hors_silence(moment):
    """`moment`, or the next time messages are allowed (the start of the day's hours, on the next open day)."""
    local = moment.astimezone(PARIS)
    while not autorise(local):
        debut = settings.SAS_ENVOI_DEBUT
        jour = local.date() if local.time() < debut else local.date() + datetime.timedelta(days=1)
        local = datetime.datetime.combine(jour, debut, tzinfo=PARIS)
    return local


# Channels

_PREFERENCES = {"sms": CanalMessage.SMS, "appel": CanalMessage.SMS, "email": CanalMessage.EMAIL}
_PREFERENCES |= {"courrier": CanalMessage.COURRIER, "prescripteur": CanalMessage.COURRIER}


def prescripteur_de(parcours):
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


def refus_personne(jeune, moment):
    if jeune.anonymised_at:
        return "dossier anonymisé"
    if jeune.messages_arretes_le:
        return f"messages arrêtés (STOP) le {timezone.localtime(jeune.messages_arretes_le):%d/%m/%Y}"
    if jeune.messages_en_pause_jusqu_au and jeune.messages_en_pause_jusqu_au > moment:
        return f"messages en pause jusqu'au {timezone.localtime(jeune.messages_en_pause_jusqu_au):%d/%m/%Y}"
    return ""


def refus_parcours(parcours):
    # Withdrawn consent is final for the journey: nothing more is sent for it, whoever asks.
    if parcours.status == Status.CONSENTEMENT_RETIRE:
        return "consentement retiré"
    return ""


def _non_attendus():
    return [nom for nom, modele in gabarits.GABARITS.items() if not modele.attendu]


def _refus_plafond(jeune, moment):
    comptes = Message.objects.filter(jeune=jeune, status__in=COMPTES, gabarit__in=_non_attendus())
    total = comptes.aggregate(
        total=Count("pk"), semaine=Count("pk", filter=Q(prevu_le__gt=moment - FENETRE, prevu_le__lt=moment + FENETRE))
    )
    if total["total"] >= MAX_TOTAL:
        return f"plafond atteint : {MAX_TOTAL} messages au total"
    if total["semaine"] >= MAX_PAR_SEMAINE:
        return f"plafond atteint : {MAX_PAR_SEMAINE} messages en 7 jours"
    return ""


def motif_refus(parcours, gabarit, *, canal=None, at=None):
    """Why `envoyer` would not send this message now ("" if it would)."""
    return motif_refus_pour(parcours, parcours.jeune, gabarit, canal, hors_silence(at or timezone.now()))


def motif_refus_pour(parcours, jeune, gabarit, canal, prevu):
    refus = refus_parcours(parcours) or refus_personne(jeune, prevu)
    if not refus and not gabarits.gabarit(gabarit).attendu:
        refus = _refus_plafond(jeune, prevu)
    if not refus:
        prescripteur = prescripteur_de(parcours)
        if canal is None:
            refus = "" if choisir_canal(jeune, prescripteur)[0] else "aucun moyen de joindre le jeune"
        else:
            valeur = coordonnee(jeune, canal, prescripteur)
            if not valeur:
                refus = f"pas de coordonnée pour le canal {CanalMessage(canal).label}"
            elif canal_invalide(jeune, canal, valeur):
                refus = f"{CanalMessage(canal).label} à corriger ({valeur})"
    return refus


# The counsellor's side


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
        messages_en_echec=Count("messages", filter=Q(messages__status=MessageStatus.ECHEC), distinct=True),
    )
