"""What the young person can do from their page. Every function takes the journey their link names, never an id
from the request, so a link can only act on its own journey."""

import calendar
import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from sas.aiguillage import conversation
from sas.aiguillage import services as aiguillage
from sas.aiguillage.models import CadenceContact
from sas.annuaire.models import Structure
from sas.jeunes.models import CollectionMethod, Consent, DataCategory, Purpose
from sas.limites import Limite, cle_ip
from sas.messagerie import envoi as messagerie
from sas.messagerie.models import CanalMessage
from sas.organisations.models import Organisation, OrganisationKind
from sas.parcours.models import EventKind, SignalementSource
from sas.parcours.status import Status
from sas.parcours.transitions import transition
from sas.rendezvous import services as rendezvous
from sas.rendezvous.models import RendezVous, RendezVousStatus

from .forms import moments_text
from .models import LienJeune

REFUS = "Refus exprimé par le jeune sur sa page"
CATEGORIES = [DataCategory.IDENTITE, DataCategory.COORDONNEES, DataCategory.SITUATION, DataCategory.DIAGNOSTIC]
# Statuses where the young person has nothing left to decide on this page.
FERMES = frozenset({Status.CONSENTEMENT_RETIRE})

# Wrong links or codes (typed from a letter): counted against the link they name, which then stays shut for the
# window, and against the address. A code has 60 bits, so the limits are not what stops guessing; they keep one
# caller from trying many, and the address's is generous because a school or a Mission locale shares one.
liens_errones = Limite.reglable(
    "espace_jeune_lien", limit=("SAS_CODE_JEUNE_LIMIT", 10), window=("SAS_CODE_JEUNE_WINDOW", 900)
)
liens_errones_ip = Limite.reglable(
    "espace_jeune_lien_ip", limit=("SAS_CODE_JEUNE_IP_LIMIT", 50), window=("SAS_CODE_JEUNE_WINDOW", 900)
)


# The birth date or code asked before sensitive pages: wrong answers per link, and per IP across links. Past the
# limit the link's sensitive pages stay locked for the window, even for the right answer.
verifications_lien = Limite.reglable(
    "espace_jeune_verification_lien",
    limit=("SAS_VERIFICATION_JEUNE_LIMIT", 5),
    window=("SAS_VERIFICATION_JEUNE_WINDOW", 3600),
)
verifications_ip = Limite.reglable(
    "espace_jeune_verification_ip",
    limit=("SAS_VERIFICATION_JEUNE_IP_LIMIT", 20),
    window=("SAS_VERIFICATION_JEUNE_WINDOW", 3600),
)
# Codes sent per link: nobody makes SAS text a young person again and again.
codes_envoyes = Limite("espace_jeune_code_envoye", limit=3, window=3600)
SESSION_VERIFIE = "jeune_verifie"
# Messages written to the counsellor per link: enough to say something, too few to flood the counsellor.
messages_ecrits = Limite.reglable(
    "espace_jeune_message", limit=("SAS_MESSAGE_JEUNE_LIMIT", 5), window=("SAS_MESSAGE_JEUNE_WINDOW", 3600)
)


def est_verifie(session, lien):
    return lien.pk in session.get(SESSION_VERIFIE, [])


def verrouille(lien, ip):
    return verifications_lien.exceeded(lien.pk) or verifications_ip.exceeded(cle_ip(ip))


def verifier(session, lien, ip, *, date_naissance=None, code=None, at=None):
    """Check the young person's answer: their birth date, or the code sent when it is unknown. Right, the link is
    open for this browser session (kept in the session, never in the URL); wrong, it counts against the link and
    the IP. Returns True when verified."""
    jeune = lien.parcours.jeune
    if jeune.date_naissance is not None:
        juste = date_naissance is not None and date_naissance == jeune.date_naissance
    else:
        juste = lien.code_valable(code, at=at)
    if not juste:
        verifications_lien.hit(lien.pk)
        verifications_ip.hit(cle_ip(ip))
        return False
    session[SESSION_VERIFIE] = [*session.get(SESSION_VERIFIE, []), lien.pk]
    return True


def canal_du_code(jeune):
    """Where a code can reach the young person at once: their phone, else their e-mail (never a letter)."""
    if jeune.telephone:
        return CanalMessage.SMS
    if jeune.email:
        return CanalMessage.EMAIL
    return None


def envoyer_code(lien, *, at=None):
    """Send a new 6-digit code to the channel on file, now. Returns the Message, or None when it cannot leave
    (no phone nor e-mail, STOP, too many codes asked)."""
    at = at or timezone.now()
    canal = canal_du_code(lien.parcours.jeune)
    if canal is None or codes_envoyes.exceeded(lien.pk):
        return None
    codes_envoyes.hit(lien.pk)
    code = lien.nouveau_code(at)
    message = messagerie.envoyer(
        lien.parcours, "code_verification", canal=canal, at=at, contexte={"code_verification": code}, lien=lien
    )
    if message is not None:
        # The young person waits for it on their screen: not left to the next run of the task worker.
        messagerie.expedier(message.pk, at=at)
    return message


def lien_valide(token, *, at=None):
    """The link behind `token` if the young person may still use it, else None."""
    lien = LienJeune.trouver(token, at)
    if lien is None or lien.parcours.jeune.anonymised_at or lien.parcours.status in FERMES:
        return None
    return lien


def ouvrir(token, ip, *, at=None):
    """(link, locked): the link behind `token` for a caller at `ip`, or None. A miss counts against the link the
    token names and against the address; past either limit nothing is looked up (locked): the right token too waits
    for the window, for that link or that address only."""
    pk, ip = LienJeune.identifiant(token), cle_ip(ip)
    if liens_errones_ip.exceeded(ip) or (pk is not None and liens_errones.exceeded(pk)):
        return None, True
    lien = lien_valide(token, at=at)
    if lien is None:
        liens_errones_ip.hit(ip)
        if pk is not None:
            liens_errones.hit(pk)
    return lien, False


@dataclass
class Signaleur:
    source: str  # "proche", "jeune" or "professionnel"
    qui: str
    at: datetime.datetime
    motif: str
    quoi: str = ""  # what kind of organisation it is, in plain words


# Organisation kinds as a 16-year-old would understand them (the labels carry acronyms).
EN_CLAIR = {
    OrganisationKind.ASE: "l'aide sociale à l'enfance, qui protège les enfants et les jeunes",
    OrganisationKind.SPIP: "le service qui accompagne les personnes condamnées par la justice",
    OrganisationKind.MISSION_LOCALE: "le service qui aide les jeunes à trouver une formation ou un travail",
    OrganisationKind.ECOLE: "une école ou un lycée",
    OrganisationKind.ASSOCIATION: "une association",
}


def signaleurs(parcours):
    """Who signalled the young person and why, as they may read it: an organisation's name and its motive;
    a relative stays "un proche", with neither their name, contact, relationship nor their words."""
    out = []
    for s in parcours.signalements.select_related("organisation"):
        if s.source == SignalementSource.PROCHE:
            out.append(Signaleur("proche", "Un proche", s.created_at, ""))
        elif s.source == SignalementSource.JEUNE:
            out.append(Signaleur("jeune", "Vous-même", s.created_at, s.motif))
        else:
            qui = s.organisation.nom if s.organisation else "Un professionnel"
            quoi = EN_CLAIR.get(s.organisation.kind, "") if s.organisation else ""
            out.append(Signaleur("professionnel", qui, s.created_at, s.motif, quoi))
    return out


def equipes_sas(parcours):
    return Organisation.objects.filter(territory_id=parcours.territory_id, kind=OrganisationKind.EQUIPE_SAS)


@dataclass
class QuiVoit:
    equipes: list
    prescripteurs: list
    structures: list
    pilotes: list


def qui_voit(parcours, *, at=None):
    """The organisations that may see something of the file, by what each sees."""
    prescripteurs = Organisation.objects.filter(signalements__parcours=parcours).distinct()
    transmissions = parcours.jeune.consents.active(at).filter(purpose=Purpose.TRANSMISSION)
    structures = [o.nom for o in Organisation.objects.filter(consents__in=transmissions).distinct()]
    structures += [s.nom for s in Structure.objects.filter(consents__in=transmissions).distinct()]
    pilotes = Organisation.objects.filter(territory_id=parcours.territory_id, kind=OrganisationKind.PILOTAGE)
    return QuiVoit(
        equipes=[o.nom for o in equipes_sas(parcours)],
        prescripteurs=[o.nom for o in prescripteurs],
        structures=structures,
        pilotes=[o.nom for o in pilotes],
    )


def diagnostic_fait(parcours):
    """Whether the journey ever reached "diagnostic fait" (then the young person has a summary to read)."""
    return parcours.events.filter(kind=EventKind.TRANSITION, to_status=Status.DIAGNOSTIC_FAIT).exists()


# Who may say the young person agreed: themself, on their page or aloud to a counsellor. A prescriber's tick box only
# says the person was told; the page then still asks them.
PAR_LE_JEUNE = (CollectionMethod.LIEN_SIGNE, CollectionMethod.ORAL)


def _accords(parcours, at):
    return (
        parcours.jeune.consents.active(at)
        .filter(purpose=Purpose.ACCOMPAGNEMENT, organisations__in=equipes_sas(parcours))
        .order_by("-collected_at")
    )


def consentement(parcours, *, at=None):
    """The young person's own active agreement to be accompanied by the SAS team, if any."""
    return _accords(parcours, at).filter(collected_via__in=PAR_LE_JEUNE).first()


def consentement_declare(parcours, *, at=None):
    """An agreement someone else declared for them (the prescriber's form), if any."""
    return _accords(parcours, at).exclude(collected_via__in=PAR_LE_JEUNE).first()


def accepter(parcours, *, at=None):
    """Consent given on the page: the SAS team may accompany them. A relative's signalement becomes verified,
    since the young person has now decided. Idempotent; an agreement declared by the prescriber does not stand in
    for theirs."""
    at = at or timezone.now()
    with transaction.atomic():
        consent = consentement(parcours, at=at)
        if consent is None:
            consent = Consent.objects.create(
                jeune=parcours.jeune,
                purpose=Purpose.ACCOMPAGNEMENT,
                categories=[c.value for c in CATEGORIES],
                collected_via=CollectionMethod.LIEN_SIGNE,
                collected_at=at,
            )
            consent.organisations.set(equipes_sas(parcours))
        parcours.signalements.filter(verifie=False).update(verifie=True)
        if parcours.status == Status.REFUS_DU_JEUNE:
            transition(parcours, Status.A_CONTACTER, reason="Le jeune a changé d'avis sur sa page", at=at)
        aiguillage.reponse_du_jeune(parcours, via="page", at=at)
    return consent


def refuser(parcours, *, at=None):
    """The young person says no: the journey leaves the queue, their agreement to be accompanied is withdrawn and
    nothing more is sent for this journey (cadence messages, a booked appointment and its reminders). Not a STOP:
    they may change their mind on this page."""
    at = at or timezone.now()
    with transaction.atomic():
        if parcours.status == Status.REFUS_DU_JEUNE:
            return
        aiguillage.reponse_du_jeune(parcours, via="page", at=at)
        transition(parcours, Status.REFUS_DU_JEUNE, reason=REFUS, at=at)
        for consent in parcours.jeune.consents.active(at).filter(purpose=Purpose.ACCOMPAGNEMENT):
            consent.withdraw(at, via=CollectionMethod.LIEN_SIGNE)
        for rdv in parcours.rendez_vous.filter(status=RendezVousStatus.CONFIRME, creneau__debut__gt=at):
            rendezvous.annuler_rdv(rdv, at=at)
        # The cadence's pending messages (reponse_du_jeune cancels them only when the journey was before contact).
        messagerie.annuler(f"cadence-{parcours.pk}-", at=at)


def enregistrer_preferences(parcours, *, canal, moments, at=None):
    jeune = parcours.jeune
    jeune.canal_prefere, jeune.moments_preferes = canal, moments_text(moments)
    with transaction.atomic():
        jeune.save(update_fields=["canal_prefere", "moments_preferes", "updated_at"])
        aiguillage.reponse_du_jeune(parcours, via="page", at=at)


def demander_appel(parcours, *, moments, at=None):
    """A call task for the counsellor, due the next day, with the times the young person chose."""
    at = at or timezone.now()
    jeune = parcours.jeune
    with transaction.atomic():
        if moments:
            jeune.moments_preferes = moments_text(moments)
            jeune.save(update_fields=["moments_preferes", "updated_at"])
        motif = "Le jeune demande à être appelé depuis sa page"
        if jeune.moments_preferes:
            motif += f" ; moments préférés : {jeune.moments_preferes}"
        tache = aiguillage.creer_tache(parcours, "appel", echeance=at + datetime.timedelta(days=1), motif=motif, at=at)
        aiguillage.reponse_du_jeune(parcours, via="page", at=at)
    return tache


def reporte_jusqu_au(parcours, *, at=None):
    """The date the young person asked to be contacted again from, while it is still ahead."""
    return (
        CadenceContact.objects.filter(parcours=parcours, reporte_jusqu_au__gt=timezone.localdate(at))
        .values_list("reporte_jusqu_au", flat=True)
        .first()
    )


def ajouter_mois(day, mois):
    month = day.month - 1 + mois
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def plus_tard(parcours, *, mois, at=None):
    """ "Pas maintenant": the team comes back on that date, not before."""
    at = at or timezone.now()
    jusqu_au = ajouter_mois(timezone.localdate(at), mois)
    aiguillage.reporter(parcours, jusqu_au, via="page", at=at)
    return jusqu_au


def ecrire(parcours, texte, *, at=None):
    """A message to the counsellor from the page: in the journey's conversation, the counsellor told."""
    return conversation.recevoir(parcours, texte, via="page", at=at)


def arreter_messages(jeune, *, at=None):
    return messagerie.arreter(jeune, via="lien", at=at)


def rendez_vous_a_venir(parcours, *, at=None):
    a_venir = RendezVous.objects.filter(creneau__fin__gte=at or timezone.now())
    return (
        a_venir.filter(parcours=parcours, status=RendezVousStatus.CONFIRME)
        .select_related("creneau")
        .order_by("creneau__debut")
        .first()
    )


def creneaux(parcours, *, at=None):
    return list(rendezvous.creneaux_disponibles(parcours, at=at))


def choisir_creneau(parcours, creneau, *, at=None):
    """Book the slot. A booked appointment still to come is moved: cancelled, then the new one booked, both or
    neither (reserver refuses a second appointment booked by the young person)."""
    at = at or timezone.now()
    with transaction.atomic():
        ancien = parcours.rendez_vous.filter(status=RendezVousStatus.CONFIRME, creneau__debut__gt=at).first()
        if ancien is not None:
            rendezvous.annuler_rdv(ancien, at=at)
        return rendezvous.reserver(parcours, creneau, pris_par="jeune", at=at)


def annuler_rendez_vous(parcours, *, at=None):
    rdv = rendez_vous_a_venir(parcours, at=at)
    if rdv is not None:
        rendezvous.annuler_rdv(rdv, at=at)
    return rdv
