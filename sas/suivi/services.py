"""Follow-up after take-up: the check-ins at 1, 3 and 6 months (settings.SAS_SUIVI_MOIS), their answers, the return
to the counsellor (remobilisation, through the journey's transition function: never closed silently), the positive
exit, and one more try for unreachable people before their file is closed.

Every function takes an explicit `at` (default now): the scheduler and the tests run them on a controlled clock.
`avancer()` is idempotent: what was done is read back from the states and events, messages carry keys."""

import calendar
import dataclasses
import datetime
import logging
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone

from sas.aiguillage import services as aiguillage
from sas.aiguillage.models import NatureTache, ResultatContact
from sas.diagnostic import services as diagnostics
from sas.droits import services as droits
from sas.messagerie import envoi as messagerie
from sas.messagerie.models import MASQUE, Destinataire
from sas.orientation.models import OrientationStatus
from sas.parcours import transitions as parcours_transitions
from sas.parcours.models import EventKind as ParcoursEventKind
from sas.parcours.models import Parcours, ParcoursEvent
from sas.parcours.status import Status

from . import transitions
from .models import (
    ActorKind,
    EventKind,
    FinSuivi,
    LienSuiviStructure,
    NatureSortie,
    NouvelEssai,
    OrigineEssai,
    PointEtape,
    PointEtapeEvent,
    PointEtapeStatus,
    RecoursDroit,
    ReponseDroit,
    Suivi,
)

logger = logging.getLogger(__name__)

# The young person's and the structure's answers, one tap each. "sortie" is then told by its kind.
ACCOMPAGNE = {
    "oui": "Toujours accompagné",
    "arrete": "L'accompagnement s'est arrêté",
    "ne_convient_pas": "Ça ne convient pas",
    "sortie": "A trouvé une solution",
}
UTILE = {"oui": "Oui", "un_peu": "Un peu", "non": "Non"}
BESOIN = {"non": "Pas besoin", "oui": "A besoin de quelque chose"}
# What sends the person back to the counsellor.
RUPTURES = frozenset({"arrete", "ne_convient_pas"})
PREFIXE_DROIT = "droit_"


def questions():
    """{question: {answer: label}} of a check-in; the rights' questions are "droit_<code>"."""
    return {
        "accompagne": ACCOMPAGNE,
        "utile": UTILE,
        "besoin": BESOIN,
        "sortie": dict(NatureSortie.choices),
        **{f"{PREFIXE_DROIT}{d.code}": dict(ReponseDroit.choices) for d in droits.situation.DROITS},
    }


def ajouter_mois(moment, mois):
    """`moment` plus `mois` calendar months, at the same local time (summer time or not), on the last day of the
    month when it is shorter (31 Jan + 1 = 28 Feb)."""
    moment = timezone.localtime(moment)
    index = moment.month - 1 + mois
    annee, mois_final = moment.year + index // 12, index % 12 + 1
    jour = min(moment.day, calendar.monthrange(annee, mois_final)[1])
    return moment.replace(year=annee, month=mois_final, day=jour)


def _jours(nom):
    return datetime.timedelta(days=getattr(settings, nom))


def valider_reglages(mois, relances):
    """The follow-up settings make sense: check-in months strictly increasing and positive, at most two reminders,
    their days strictly increasing. Raises ValueError in French (read at start-up)."""
    if not mois or any(m <= 0 for m in mois) or list(mois) != sorted(set(mois)):
        raise ValueError("SAS_SUIVI_MOIS : des mois positifs, en croissant (par exemple 1,3,6).")
    if len(relances) > 2:
        raise ValueError("SAS_SUIVI_RELANCES_JOURS : deux relances au plus par point d'étape.")
    if any(j <= 0 for j in relances) or list(relances) != sorted(set(relances)):
        raise ValueError("SAS_SUIVI_RELANCES_JOURS : des jours positifs, en croissant (par exemple 7,14).")


# Starting the follow-up


def demarrer(parcours, *, orientation=None, at=None):
    """Open the follow-up of a take-up confirmed at `at` (default: when the journey reached "pris en charge"):
    its check-ins are planned and the journey moves to "suivi". Returns the Suivi (the open one if there is)."""
    at = at or parcours.status_changed_at
    with transaction.atomic():
        parcours = Parcours.objects.select_for_update().get(pk=parcours.pk)
        ouvert = parcours.suivis.filter(termine_le__isnull=True).first()
        if ouvert is not None:
            return ouvert
        if parcours.status not in (Status.PRIS_EN_CHARGE, Status.SUIVI):
            raise ValidationError(f"Le parcours est au statut « {parcours.get_status_display()} » : pas de suivi.")
        orientation = orientation or (
            parcours.orientations.filter(status=OrientationStatus.PRISE_EN_CHARGE).select_related("structure").first()
        )
        suivi = Suivi.objects.create(parcours=parcours, orientation=orientation, debut=at)
        for mois in settings.SAS_SUIVI_MOIS:
            transitions.start(suivi, mois, ajouter_mois(at, mois), at=at)
        if parcours.status == Status.PRIS_EN_CHARGE:
            mois = ", ".join(str(m) for m in settings.SAS_SUIVI_MOIS)
            parcours_transitions.transition(
                parcours, Status.SUIVI, reason=f"Points d'étape prévus à {mois} mois après la prise en charge", at=at
            )
    return suivi


def a_demarrer():
    """Journeys taken up (or put in "suivi" by hand) with no follow-up under way nor ended since."""
    return Parcours.objects.filter(status__in=[Status.PRIS_EN_CHARGE, Status.SUIVI]).exclude(
        Exists(Suivi.objects.filter(parcours=OuterRef("pk"), debut__gte=OuterRef("status_changed_at")))
        | Exists(Suivi.objects.filter(parcours=OuterRef("pk"), termine_le__isnull=True))
    )


# Check-ins


def contact_recent(parcours, at):
    """Whether the counsellor or the structure logged a contact with the young person in the last
    SAS_SUIVI_CONTACT_RECENT_JOURS days: a check-in then would only repeat it."""
    depuis = at - _jours("SAS_SUIVI_CONTACT_RECENT_JOURS")
    conseiller = ParcoursEvent.objects.filter(
        parcours=parcours,
        kind=ParcoursEventKind.CONTACT,
        detail__resultat=ResultatContact.JOINT,
        occurred_at__gt=depuis,
        occurred_at__lte=at,
    )
    structure = PointEtapeEvent.objects.filter(
        point__suivi__parcours=parcours,
        kind=EventKind.REPONSE,
        actor_kind=ActorKind.STRUCTURE,
        occurred_at__gt=depuis,
        occurred_at__lte=at,
    )
    return conseiller.exists() or structure.exists()


def lien_url(token):
    return settings.SAS_SITE_URL + reverse("suivi:structure", args=[token])


# The structure's magic link in its e-mails: built by RenduLienSuivi below when the e-mail leaves, never stored.
NATURE_LIEN = "suivi.lien_structure"


class _LienAEnvoyer:
    def __init__(self, point, lien, token):
        self.point, self.lien = point, lien
        self.remplacements = {MASQUE: token}

    def envoye(self, at):
        # One link per check-in is valid at a time: the latest one sent.
        self.point.liens.filter(revoked_at__isnull=True).exclude(pk=self.lien.pk).update(revoked_at=at)

    def echoue(self, at, erreur):
        logger.warning("Courriel du point d'étape %s non envoyé : %s", self.point.pk, erreur)
        self.lien.revoked_at = at
        self.lien.save(update_fields=["revoked_at"])


class RenduLienSuivi:
    """Registered with messagerie (apps.py): each attempt to send a check-in e-mail gets a fresh link."""

    def preparer(self, message, at):
        point = PointEtape.objects.select_related("suivi").filter(pk=message.lien_objet).first()
        # Still asked once the young person answered: the structure's word is wanted too.
        if (
            point is None
            or point.status not in (PointEtapeStatus.ENVOYE, PointEtapeStatus.REPONDU)
            or point.suivi.termine_le
        ):
            return None
        lien, token = LienSuiviStructure.creer(point, duree=_jours("SAS_LIEN_SUIVI_JOURS"), at=at)
        return _LienAEnvoyer(point, lien, token)


def _prenom_partage(orientation):
    return orientation.partage.get("identite", {}).get("prenom", "un jeune")


def _demander(point, numero, at, *, jeune=True, structure=True):
    """The question (numero 0) or a reminder (1, 2) to each side asked."""
    suivi = point.suivi
    parcours, orientation = suivi.parcours, suivi.orientation
    envoyes = []
    if jeune:
        gabarit = "point_etape" if numero == 0 else "point_etape_relance"
        contexte = {"structure": orientation.structure.nom[:40]} if orientation else {"structure": "votre structure"}
        message = messagerie.envoyer(
            parcours, gabarit, at=at, contexte=contexte, cle=f"suivi-{point.pk}-jeune-{numero}"
        )
        envoyes.append("jeune" if message else "jeune (non envoyé)")
    if structure and orientation is not None and orientation.destinataire:
        contexte = {
            "prenom": _prenom_partage(orientation),
            "mois": point.mois,
            "debut": f"{timezone.localtime(suivi.debut):%d/%m/%Y}",
            "lien": unquote(lien_url(MASQUE)),
        }
        messagerie.envoyer_courriel_pro(
            orientation.destinataire,
            "structure_point_etape" if numero == 0 else "structure_point_etape_relance",
            contexte,
            nature=Destinataire.STRUCTURE,
            cle=f"suivi-{point.pk}-structure-{numero}",
            lien=(NATURE_LIEN, point.pk),
            at=at,
            en_file=True,
        )
        envoyes.append("structure")
    return envoyes


def _repondants(point):
    return set(point.events.filter(kind=EventKind.REPONSE).values_list("actor_kind", flat=True))


def _relances(point):
    return point.events.filter(kind=EventKind.RELANCE).count()


@dataclasses.dataclass
class Ligne:
    parcours: Parcours
    texte: str

    def __str__(self):
        return f"Parcours {self.parcours.pk} ({self.parcours.jeune.prenom}) : {self.texte}"


def _faire_le_point(point, now, wet_run):
    """One due check-in: skipped when a later one is due too (a follow-up started late) or after a recent contact,
    else asked to both sides."""
    parcours = point.suivi.parcours
    if point.suivi.points.filter(prevu_le__gt=point.prevu_le, prevu_le__lte=now).exists():
        if wet_run:
            reason = "Remplacé par le point d'étape suivant, déjà dû"
            transitions.transition(point, PointEtapeStatus.SAUTE, actor_kind=ActorKind.SYSTEME, reason=reason, at=now)
        return Ligne(parcours, f"point à {point.mois} mois sauté (le suivant est dû)")
    if contact_recent(parcours, now):
        if wet_run:
            jours = settings.SAS_SUIVI_CONTACT_RECENT_JOURS
            reason = f"Contact enregistré dans les {jours} derniers jours"
            transitions.transition(point, PointEtapeStatus.SAUTE, actor_kind=ActorKind.SYSTEME, reason=reason, at=now)
        return Ligne(parcours, f"point à {point.mois} mois sauté (contact récent)")
    if wet_run:
        transitions.transition(point, PointEtapeStatus.ENVOYE, actor_kind=ActorKind.SYSTEME, at=now)
        _demander(point, 0, now)
    return Ligne(parcours, f"point à {point.mois} mois : question envoyée")


def _relancer_ou_conclure(point, now, wet_run):
    """A check-in asked and not answered by anybody: its reminders, then the return to the counsellor."""
    parcours = point.suivi.parcours
    if _repondants(point):
        return None
    relances = settings.SAS_SUIVI_RELANCES_JOURS
    faites = _relances(point)
    # Days on the local calendar: a reminder leaves at the hour of the question, summer time or not.
    envoye_le = timezone.localtime(point.envoye_le)
    if faites < len(relances) and now >= envoye_le + datetime.timedelta(days=relances[faites]):
        if wet_run:
            envoyes = _demander(point, faites + 1, now)
            transitions.record_fact(
                point,
                EventKind.RELANCE,
                actor_kind=ActorKind.SYSTEME,
                at=now,
                detail={"numero": faites + 1, "a": envoyes},
            )
        return Ligne(parcours, f"point à {point.mois} mois : relance {faites + 1}")
    if faites >= len(relances) and now >= envoye_le + _jours("SAS_SUIVI_SANS_REPONSE_JOURS"):
        if wet_run:
            reason = f"Sans réponse du jeune ni de la structure au point d'étape à {point.mois} mois, après relances"
            with transaction.atomic():
                transitions.transition(
                    point, PointEtapeStatus.SANS_REPONSE, actor_kind=ActorKind.SYSTEME, reason=reason, at=now
                )
                remobiliser(point.suivi, reason=reason, at=now)
        return Ligne(parcours, f"point à {point.mois} mois sans réponse : retour vers le conseiller")
    return None


def _terminer(suivi, fin, reason, at):
    """End the follow-up: what was still planned is cancelled, its links stop working, its messages do not leave."""
    Suivi.objects.filter(pk=suivi.pk).update(termine_le=at, fin=fin, end_reason=reason)
    suivi.termine_le, suivi.fin, suivi.end_reason = at, fin, reason
    for point in suivi.points.filter(status__in=[PointEtapeStatus.A_VENIR, PointEtapeStatus.ENVOYE]):
        transitions.transition(point, PointEtapeStatus.ANNULE, actor_kind=ActorKind.SYSTEME, reason=reason, at=at)
    LienSuiviStructure.objects.filter(point__suivi=suivi, revoked_at__isnull=True).update(revoked_at=at)
    for point in suivi.points.all():
        messagerie.annuler(f"suivi-{point.pk}-", at=at)


def _finir(suivi, now, wet_run):
    """The last check-in is done and nobody said the support stopped: the follow-up ends, the journey is "suivi
    terminé" and leaves the queue. An answered check-in first waits for the other side's answer and the rights
    questions, until both answered or the delay without answer passed."""
    dernier = suivi.points.order_by("-prevu_le").first()
    if (
        dernier is not None
        and dernier.status == PointEtapeStatus.REPONDU
        and len(_repondants(dernier)) < 2
        and now < dernier.envoye_le + _jours("SAS_SUIVI_SANS_REPONSE_JOURS")
    ):
        return None
    reason = f"Points d'étape à {', '.join(str(m) for m in settings.SAS_SUIVI_MOIS)} mois faits : toujours accompagné"
    if wet_run:
        with transaction.atomic():
            parcours_transitions.transition(suivi.parcours, Status.SUIVI_TERMINE, reason=reason, at=now)
            _terminer(suivi, FinSuivi.TERMINE, reason, now)
    return Ligne(suivi.parcours, "points d'étape terminés : suivi terminé")


def remobiliser(suivi, *, reason, actor=None, at=None):
    """Back to the counsellor's queue as remobilisation: the journey moves to "abandon" with the reason, in its
    history; the counsellor then restarts contact, re-runs the diagnostic or proposes another structure."""
    at = at or timezone.now()
    with transaction.atomic():
        parcours = Parcours.objects.select_for_update().get(pk=suivi.parcours_id)
        if parcours.status in (Status.SUIVI, Status.PRIS_EN_CHARGE):
            parcours_transitions.transition(
                parcours, Status.ABANDON, actor=actor, reason=f"Remobilisation : {reason}", at=at
            )
        _terminer(suivi, FinSuivi.REMOBILISATION, reason, at)
    return parcours


def sortie_positive(parcours, *, nature, date_sortie, actor_kind, actor=None, at=None):
    """A positive exit (job, training, apprenticeship, other support) on `date_sortie`, told by the structure, the
    counsellor or the young person: the journey moves to "sortie positive" and the follow-up ends. Raises
    ValidationError in French for an unknown kind, a date to come or before the take-up."""
    at = at or timezone.now()
    if nature not in NatureSortie.values:
        raise ValidationError("Choisissez la nature de la sortie : emploi, formation, apprentissage ou autre.")
    if date_sortie is None or date_sortie > timezone.localdate(at):
        raise ValidationError("Indiquez la date de la sortie : aujourd'hui ou avant.")
    nature, actor_kind = NatureSortie(nature), ActorKind(actor_kind)
    with transaction.atomic():
        parcours = Parcours.objects.select_for_update().get(pk=parcours.pk)
        suivi = parcours.suivis.filter(termine_le__isnull=True).first()
        if suivi is None and parcours.status == Status.SUIVI_TERMINE:
            # Told after the check-ins: the kind goes on the follow-up that ended, which stays ended.
            suivi = parcours.suivis.order_by("-debut", "-pk").first()
        if suivi is not None and date_sortie < timezone.localdate(suivi.debut):
            raise ValidationError("La date de la sortie précède la prise en charge.")
        reason = (
            f"Sortie positive : {nature.label.lower()}, le {date_sortie:%d/%m/%Y}"
            f" (indiquée par {actor_kind.label.lower()})"
        )
        if suivi is not None:
            # Before the transition: its event is what the pilots' figures are rewritten from.
            Suivi.objects.filter(pk=suivi.pk).update(
                sortie_nature=nature, sortie_le=date_sortie, sortie_actor_kind=actor_kind
            )
        parcours_transitions.transition(parcours, Status.SORTI_POSITIF, actor=actor, reason=reason, at=at)
        if suivi is not None and suivi.termine_le is None:
            _terminer(suivi, FinSuivi.SORTIE_POSITIVE, reason, at)
    return parcours


# Answers

# Where a positive exit may be recorded: during the follow-up, at take-up before it started, or after it ended.
PEUT_SORTIR = frozenset({Status.SUIVI, Status.PRIS_EN_CHARGE, Status.SUIVI_TERMINE})


def point_ouvert(parcours, at=None):
    """The check-in of `parcours` waiting for answers (asked, answered by one side or not), or None."""
    return (
        PointEtape.objects.filter(
            suivi__parcours=parcours,
            suivi__termine_le__isnull=True,
            status__in=[PointEtapeStatus.ENVOYE, PointEtapeStatus.REPONDU],
        )
        .select_related("suivi__orientation__structure")
        .order_by("-prevu_le")
        .first()
    )


def droits_a_demander(parcours):
    """The rights the last screening found probably open (or already received): asked about at check-ins."""
    diagnostic = diagnostics.dernier_termine(parcours)
    resultats = droits.resultats(droits.derniere(diagnostic)) if diagnostic else None
    return [r.droit for r in resultats or [] if r.eligible or r.deja_percu]


def reponses(point, actor_kind):
    """{question: last answer} given by `actor_kind` at this check-in."""
    return reponses_de(point.events.filter(kind=EventKind.REPONSE, actor_kind=actor_kind))


def reponses_de(events):
    """{question: last answer} of these answer events, oldest first (a list loads them once for all its rows)."""
    out = {}
    connues = questions()
    for event in events:
        out.update({key: value for key, value in event.detail.items() if key in connues})
    return out


def repondre(point, question, valeur, *, actor_kind, actor=None, at=None, date_sortie=None):
    """One answer (one tap) of the young person, the structure or the counsellor: a REPONSE event, then what it
    means. "Stopped" or "doesn't suit me" sends the person back to the counsellor; a positive exit's kind ends the
    follow-up; needing something gives the counsellor a call task; a right's answer is stored for the take-up
    figures. The first answer on whether the support goes on makes the check-in answered. `date_sortie`: the
    positive exit's date (default: the day of the answer)."""
    at = at or timezone.now()
    actor_kind = ActorKind(actor_kind)
    choix = questions().get(question)
    if choix is None or valeur not in choix:
        raise ValidationError("Réponse inconnue : choisissez une des réponses proposées.")
    with transaction.atomic():
        point = PointEtape.objects.select_for_update().select_related("suivi__parcours").get(pk=point.pk)
        suivi = point.suivi
        if suivi.termine_le is not None or point.status not in (PointEtapeStatus.ENVOYE, PointEtapeStatus.REPONDU):
            raise ValidationError("Ce point d'étape est terminé : merci, il n'y a plus rien à répondre.")
        reason = f"{actor_kind.label} : {choix[valeur]}"
        transitions.record_fact(
            point,
            EventKind.REPONSE,
            actor_kind=actor_kind,
            reason=reason,
            actor=actor,
            at=at,
            detail={question: valeur},
        )
        parcours_transitions.record_fact(
            suivi.parcours,
            ParcoursEventKind.POINT_ETAPE,
            actor=actor,
            reason=f"Point d'étape à {point.mois} mois, {reason[0].lower()}{reason[1:]}",
            at=at,
            detail={"point": point.pk, "actor_kind": actor_kind.value, question: valeur},
        )
        if question == "accompagne" and point.status == PointEtapeStatus.ENVOYE:
            transitions.transition(point, PointEtapeStatus.REPONDU, actor_kind=actor_kind, actor=actor, at=at)
        if question == "accompagne" and valeur in RUPTURES:
            remobiliser(suivi, reason=f"{reason} (point d'étape à {point.mois} mois)", actor=actor, at=at)
        elif question == "sortie":
            sortie_positive(
                suivi.parcours,
                nature=valeur,
                date_sortie=date_sortie or timezone.localdate(at),
                actor_kind=actor_kind,
                actor=actor,
                at=at,
            )
        elif question == "besoin" and valeur == "oui":
            qui = actor_kind.label.lower()
            aiguillage.creer_tache(
                suivi.parcours,
                NatureTache.APPEL,
                echeance=at + datetime.timedelta(days=2),
                motif=f"Point d'étape à {point.mois} mois : {qui} dit avoir besoin de quelque chose.",
                at=at,
                cle=f"suivi-{point.pk}-besoin-{actor_kind.value}",
            )
        elif question.startswith(PREFIXE_DROIT):
            RecoursDroit.objects.create(
                point=point,
                parcours=suivi.parcours,
                droit=question.removeprefix(PREFIXE_DROIT),
                reponse=valeur,
                actor_kind=actor_kind,
                declare_le=at,
            )
    point.refresh_from_db()
    return point


def mesurer_recours(declarations):
    """Take-up of rights from (parcours id, droit, reponse, declared at) rows: the latest answer per journey and
    right counts. Returns {droit: {reponse: count}} with every answer present (0 when none)."""
    derniere = {}
    for parcours_id, droit, reponse, _declare_le in sorted(declarations, key=lambda row: row[3]):
        derniere[(parcours_id, droit)] = reponse
    comptes = {}
    for (_, droit), reponse in derniere.items():
        comptes.setdefault(droit, dict.fromkeys(ReponseDroit.values, 0))[reponse] += 1
    return comptes


def declarations(queryset=None):
    """The rows mesurer_recours() reads, from RecoursDroit (all, or `queryset`)."""
    queryset = RecoursDroit.objects.all() if queryset is None else queryset
    return list(queryset.values_list("parcours_id", "droit", "reponse", "declare_le"))


# One more try for unreachable people, then closing


def _cloturer(parcours, essai, now):
    reason = (
        f"Dossier clos : toujours injoignable après le nouvel essai du {timezone.localtime(essai.lance_le):%d/%m/%Y}"
    )
    NouvelEssai.objects.filter(pk=essai.pk).update(clos_le=now, closing_reason=reason)
    parcours_transitions.record_fact(parcours, ParcoursEventKind.CLOTURE, reason=reason, at=now)
    return reason


def nouveaux_essais(now, wet_run):
    """People left "injoignable" (deferred ones included, after the contact their deferral brought back) are tried
    again once, SAS_NOUVEL_ESSAI_MOIS months later (the contact plan starts again); unreachable after that try,
    their file is closed, saying why."""
    lignes = []
    limite = ajouter_mois(now, -settings.SAS_NOUVEL_ESSAI_MOIS)
    a_relancer = (
        Parcours.objects.filter(status=Status.INJOIGNABLE, status_changed_at__lte=limite)
        .exclude(Exists(NouvelEssai.objects.filter(parcours=OuterRef("pk"))))
        .select_related("jeune")
        .order_by("pk")
    )
    for parcours in a_relancer:
        reporte = parcours.events.filter(kind=ParcoursEventKind.REPORT).exists()
        origine = OrigineEssai.REPORT if reporte else OrigineEssai.INJOIGNABLE
        if wet_run:
            reason = f"Nouvel essai de contact, {settings.SAS_NOUVEL_ESSAI_MOIS} mois après « injoignable »"
            try:
                with transaction.atomic():
                    NouvelEssai.objects.create(parcours=parcours, origine=origine, lance_le=now)
                    parcours_transitions.transition(parcours, Status.A_CONTACTER, reason=reason, at=now)
            except IntegrityError:  # a concurrent run launched it
                continue
        lignes.append(Ligne(parcours, "nouvel essai de contact"))
    a_clore = (
        Parcours.objects.filter(
            status=Status.INJOIGNABLE,
            nouvel_essai__clos_le__isnull=True,
            nouvel_essai__lance_le__lt=F("status_changed_at"),
        )
        .select_related("jeune", "nouvel_essai")
        .order_by("pk")
    )
    for parcours in a_clore:
        texte = _cloturer(parcours, parcours.nouvel_essai, now) if wet_run else "dossier à clore"
        lignes.append(Ligne(parcours, texte))
    return lignes


# The scheduler


def avancer(now=None, *, wet_run=True):
    """Everything due in follow-ups at `now`: start the follow-up of new take-ups, ask the check-ins due (or skip
    them after a recent contact), remind and conclude those unanswered, end follow-ups whose journey moved
    elsewhere, and the one more try of unreachable people. Returns [Ligne]; with wet_run=False, writes nothing."""
    now = now or timezone.now()
    lignes = []
    for parcours in a_demarrer().select_related("jeune").order_by("pk"):
        if wet_run:
            try:
                demarrer(parcours)
            except IntegrityError:  # a concurrent run started it
                continue
        lignes.append(Ligne(parcours, "suivi démarré"))
    ouverts = Suivi.objects.filter(termine_le__isnull=True).select_related("parcours__jeune")
    for suivi in ouverts.exclude(parcours__status=Status.SUIVI).order_by("pk"):
        reason = f"Le parcours est passé au statut « {suivi.parcours.get_status_display()} »"
        if wet_run:
            with transaction.atomic():
                _terminer(suivi, FinSuivi.TERMINE, reason, now)
        lignes.append(Ligne(suivi.parcours, f"suivi terminé ({reason})"))
    points = PointEtape.objects.filter(suivi__termine_le__isnull=True, suivi__parcours__status=Status.SUIVI)
    for point in points.filter(status=PointEtapeStatus.A_VENIR, prevu_le__lte=now).select_related(
        "suivi__parcours__jeune", "suivi__orientation__structure"
    ):
        with transaction.atomic():
            lignes.append(_faire_le_point(point, now, wet_run))
    for point in points.filter(status=PointEtapeStatus.ENVOYE).select_related(
        "suivi__parcours__jeune", "suivi__orientation__structure"
    ):
        with transaction.atomic():
            ligne = _relancer_ou_conclure(point, now, wet_run)
        if ligne:
            lignes.append(ligne)
    for suivi in Suivi.objects.filter(termine_le__isnull=True, parcours__status=Status.SUIVI).exclude(
        Exists(
            PointEtape.objects.filter(
                suivi=OuterRef("pk"), status__in=[PointEtapeStatus.A_VENIR, PointEtapeStatus.ENVOYE]
            )
        )
    ):
        if ligne := _finir(suivi, now, wet_run):
            lignes.append(ligne)
    lignes.extend(nouveaux_essais(now, wet_run))
    return lignes
