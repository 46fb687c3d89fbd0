"""Re-establishing contact: assignment, contact log, the young person's answer, deferral, call and visit tasks.

Every function takes an explicit `at` (default now) and writes its journey event."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from sas.messagerie import envoi as messagerie
from sas.parcours import transitions
from sas.parcours.models import EventKind, Parcours, Signalement
from sas.parcours.status import CLOSED, Status
from sas.permissions import assignable_counsellors, is_aiguilleur_of
from sas.prescription.models import Decision, DoublonPossible

from .models import (
    ArretCadence,
    CadenceContact,
    CanalContact,
    NatureTache,
    PlanContact,
    ResultatContact,
    TacheContact,
)

# Before contact is re-established: the cadence runs on these.
AVANT_CONTACT = frozenset({Status.SIGNALE, Status.A_CONTACTER, Status.CONTACT_EN_COURS})
# From where an answer of the young person brings the journey to "contacté", and through which statuses.
CHEMINS_VERS_CONTACTE = {
    Status.SORTIE_A_VENIR: [Status.CONTACTE],
    Status.SIGNALE: [Status.A_CONTACTER, Status.CONTACTE],
    Status.A_CONTACTER: [Status.CONTACTE],
    Status.CONTACT_EN_COURS: [Status.CONTACTE],
    # Declared unreachable or dropped out, then answers after all: the file reopens.
    Status.INJOIGNABLE: [Status.A_CONTACTER, Status.CONTACTE],
    Status.ABANDON: [Status.A_CONTACTER, Status.CONTACTE],
}

# Journeys no message may reach before a counsellor has looked: nobody vouched for any of their signalements (the
# public form), or they may be someone already followed (a possible duplicate not resolved yet).
EN_ATTENTE_DU_CONSEILLER = Q(~Exists(Signalement.objects.filter(parcours=OuterRef("pk"), verifie=True))) | Q(
    Exists(DoublonPossible.objects.en_attente().filter(nouveau=OuterRef("pk")))
)


def en_attente_du_conseiller(parcours):
    return Parcours.objects.filter(EN_ATTENTE_DU_CONSEILLER, pk=parcours.pk).exists()


def assigner(parcours, conseiller, *, actor, at=None):
    """Make `conseiller` (None: nobody) the journey's counsellor. `actor` picks themselves or a teammate of one of
    their SAS teams on the journey's territory. Writes an AFFECTATION event; does nothing if nothing changes.
    Raises ValidationError in French otherwise."""
    at = at or timezone.now()
    if actor is not None and not is_aiguilleur_of(actor, parcours):
        raise ValidationError("Seule l'équipe SAS du territoire peut affecter ce parcours.")
    if (
        conseiller is not None
        and actor is not None
        and not assignable_counsellors(actor, parcours).filter(pk=conseiller.pk).exists()
    ):
        raise ValidationError("Choisissez un conseiller de votre équipe sur ce territoire.")
    if conseiller is not None and not is_aiguilleur_of(conseiller, parcours):
        raise ValidationError("Ce conseiller n'est pas aiguilleur sur le territoire de ce parcours.")
    with transaction.atomic():
        current = Parcours.objects.select_for_update().get(pk=parcours.pk)
        if current.conseiller_id == (conseiller.pk if conseiller else None):
            return None
        Parcours.objects.filter(pk=parcours.pk).update(conseiller=conseiller)
        reason = f"Affecté à {conseiller}" if conseiller else "Plus de conseiller attitré"
        event = transitions.record_fact(
            current,
            EventKind.AFFECTATION,
            actor=actor,
            reason=reason,
            at=at,
            detail={"conseiller": conseiller.pk if conseiller else None, "precedent": current.conseiller_id},
        )
    parcours.conseiller = conseiller
    return event


def _vers(parcours, cibles, *, actor, reason, at):
    for status in cibles:
        transitions.transition(parcours, status, actor=actor, reason=reason, at=at)


def mettre_en_contact(parcours, *, actor=None, at=None):
    """A first attempt has started: signalé/à contacter → contact en cours (no-op from elsewhere)."""
    if parcours.status == Status.SIGNALE:
        _vers(parcours, [Status.A_CONTACTER], actor=actor, reason="", at=at)
    if parcours.status == Status.A_CONTACTER:
        _vers(parcours, [Status.CONTACT_EN_COURS], actor=actor, reason="", at=at)


def _cadence_contact(parcours):
    return CadenceContact.objects.select_for_update().filter(parcours=parcours).first()


def _annuler_messages_cadence(parcours, at):
    """Cancel the cadence messages still waiting (e.g. moved to Monday morning by the quiet hours)."""
    messagerie.annuler(f"cadence-{parcours.pk}-", at=at)


def reponse_du_jeune(parcours, *, via, at=None):
    """The young person answered (acted on their page, booked a slot, replied, was reached): the cadence stops,
    a REPONSE event is written and the journey moves to "contacté" when it was before that. Idempotent: an
    answer on a journey already contacted writes nothing. Returns True when something changed."""
    at = at or timezone.now()
    with transaction.atomic():
        parcours.refresh_from_db(fields=["status", "status_changed_at"])
        etat = _cadence_contact(parcours)
        changed = False
        if etat and (etat.arrete_le is None or etat.reporte_jusqu_au):
            etat.arrete_le, etat.motif_arret, etat.reporte_jusqu_au = at, ArretCadence.REPONSE, None
            etat.save(update_fields=["arrete_le", "motif_arret", "reporte_jusqu_au"])
            changed = True
        chemin = CHEMINS_VERS_CONTACTE.get(parcours.status)
        if chemin:
            transitions.record_fact(
                parcours, EventKind.REPONSE, reason=f"Le jeune a répondu ({via})", at=at, detail={"via": via}
            )
            _vers(parcours, chemin, actor=None, reason=f"Réponse du jeune ({via})", at=at)
            changed = True
        if changed:
            _annuler_messages_cadence(parcours, at)
    return changed


def reporter(parcours, jusqu_au, *, via, actor=None, at=None):
    """ "Not now, contact me again on `jusqu_au`" (a date or datetime): the cadence pauses, the journey leaves the
    queue until that date, then comes back and the cadence starts again from its first step. REPORT event."""
    at = at or timezone.now()
    if isinstance(jusqu_au, datetime.datetime):
        jusqu_au = timezone.localdate(jusqu_au)
    if jusqu_au <= timezone.localdate(at):
        raise ValidationError("Choisissez une date de recontact dans le futur.")
    if parcours.status in CLOSED:
        raise ValidationError(f"Ce parcours est clos (« {parcours.get_status_display()} »).")
    with transaction.atomic():
        etat = _cadence_contact(parcours) or CadenceContact(parcours=parcours, plan=PlanContact.courant())
        etat.reporte_jusqu_au = jusqu_au
        if parcours.status in AVANT_CONTACT:
            etat.arrete_le, etat.motif_arret = None, ""
        etat.save()
        event = transitions.record_fact(
            parcours,
            EventKind.REPORT,
            actor=actor,
            reason=f"Recontact demandé à partir du {jusqu_au:%d/%m/%Y} ({via})",
            at=at,
            detail={"jusqu_au": jusqu_au.isoformat(), "via": via},
        )
        _annuler_messages_cadence(parcours, at)
    return event


def journaliser_contact(parcours, *, canal, resultat, note="", actor=None, at=None):
    """A call, a visit or another attempt made by the counsellor (CONTACT event with canal and resultat; the note
    stays in the event's detail, out of what prescribers see). "joint" means contact is re-established."""
    at = at or timezone.now()
    canal, resultat = CanalContact(canal), ResultatContact(resultat)
    with transaction.atomic():
        parcours.refresh_from_db(fields=["status", "status_changed_at"])
        if parcours.status in AVANT_CONTACT:
            mettre_en_contact(parcours, actor=actor, at=at)
        event = transitions.record_fact(
            parcours,
            EventKind.CONTACT,
            actor=actor,
            reason=f"{canal.label} : {resultat.label[0].lower()}{resultat.label[1:]}",
            at=at,
            detail={"canal": canal.value, "resultat": resultat.value, "note": note.strip()},
        )
        if resultat == ResultatContact.JOINT:
            reponse_du_jeune(parcours, via=canal.value, at=at)
    return event


def creer_tache(parcours, nature, *, echeance, motif, at=None, cle=""):
    """A call or visit task for the journey's team. With `cle`, creating it again returns the existing one."""
    at = at or timezone.now()
    nature = NatureTache(nature)
    values = {"parcours": parcours, "nature": nature, "echeance": echeance, "motif": motif[:300], "created_at": at}
    if cle:
        return TacheContact.objects.get_or_create(cle=cle, defaults=values)[0]
    return TacheContact.objects.create(**values)


def terminer_tache(tache, *, resultat, note="", actor, at=None):
    """The counsellor made the call or visit: the task is done and the attempt goes to the journey's log."""
    at = at or timezone.now()
    with transaction.atomic():
        updated = TacheContact.objects.filter(pk=tache.pk, faite_le__isnull=True).update(
            faite_le=at, faite_par=actor, resultat=ResultatContact(resultat), note=note.strip()
        )
        if not updated:
            raise ValidationError("Cette tâche est déjà faite.")
        journaliser_contact(tache.parcours, canal=tache.nature, resultat=resultat, note=note, actor=actor, at=at)
    tache.refresh_from_db()
    return tache


# --- What the counsellor decides before any contact ---------------------------------------------------------


def exiger_verification_attendue(parcours):
    if parcours.status in CLOSED or parcours.signalements.filter(verifie=True).exists():
        raise ValidationError("Ce parcours n'attend pas de vérification.")
    if DoublonPossible.objects.en_attente().filter(nouveau=parcours).exists():
        raise ValidationError("Décidez d'abord s'il s'agit d'un jeune déjà suivi (doublon possible).")


def ecarter(parcours, motif, *, actor, at=None):
    """The counsellor sets aside a signalement nobody vouched for (a hoax, someone out of scope): the journey
    closes as "hors cible" with the reason, and nothing was ever sent."""
    at = at or timezone.now()
    with transaction.atomic():
        parcours = Parcours.objects.select_for_update().get(pk=parcours.pk)
        exiger_verification_attendue(parcours)
        return transitions.transition(parcours, Status.HORS_CIBLE, actor=actor, reason=motif, at=at)


def _doublon_a_decider(doublon):
    doublon = DoublonPossible.objects.select_for_update().select_related("nouveau", "existant").get(pk=doublon.pk)
    if doublon.decision:
        raise ValidationError("Ce doublon possible a déjà été traité.")
    return doublon


def fusionner(doublon, *, actor, at=None):
    """They are the same person: the new journey's signalements join the existing journey (followed by their
    signallers from now on, `attache_le`), and the new journey closes as "déjà accompagné". The contact details
    of the new record are not copied: the counsellor adds them after checking with the young person."""
    at = at or timezone.now()
    with transaction.atomic():
        doublon = _doublon_a_decider(doublon)
        nouveau, existant = doublon.nouveau, doublon.existant
        if existant.status in CLOSED:
            raise ValidationError("Le parcours déjà suivi est clos : gardez les deux parcours séparés.")
        moved = list(nouveau.signalements.values_list("pk", flat=True))
        Signalement.objects.filter(pk__in=moved).update(parcours=existant, attache_le=at)
        detail = {"doublon": doublon.pk, "decision": Decision.FUSIONNES.value, "signalements": moved}
        reason = "Doublon possible fusionné : signalement rattaché par le conseiller"
        transitions.record_fact(existant, EventKind.DOUBLON, actor=actor, reason=reason, at=at, detail=detail)
        transitions.transition(
            nouveau, Status.DEJA_ACCOMPAGNE, actor=actor, reason="Doublon fusionné avec un parcours déjà suivi", at=at
        )
        doublon.decision, doublon.decide_le, doublon.decide_par = Decision.FUSIONNES, at, actor
        doublon.save(update_fields=["decision", "decide_le", "decide_par"])
    return doublon


def garder_separes(doublon, *, actor, at=None):
    """Two different people: the new journey goes on on its own (DOUBLON event); the existing one is untouched."""
    at = at or timezone.now()
    with transaction.atomic():
        doublon = _doublon_a_decider(doublon)
        detail = {"doublon": doublon.pk, "decision": Decision.SEPARES.value}
        reason = "Doublon possible écarté : une autre personne"
        transitions.record_fact(doublon.nouveau, EventKind.DOUBLON, actor=actor, reason=reason, at=at, detail=detail)
        doublon.decision, doublon.decide_le, doublon.decide_par = Decision.SEPARES, at, actor
        doublon.save(update_fields=["decision", "decide_le", "decide_par"])
    return doublon
