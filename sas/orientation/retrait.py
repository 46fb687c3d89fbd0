"""Withdrawing consent (DESIGN.md, "Data protection"), for everything or for one receiving structure.

It lives in orientation, the highest layer it acts on: it withdraws the consent records (jeunes), cancels the
referrals and revokes the structures' links (orientation), revokes the young person's links (espace_jeune), cancels
appointments (rendezvous) and pending messages (messagerie), and moves the journey (parcours). espace_jeune could not
hold it: orientation already builds on espace_jeune, and a lower layer never imports a higher one."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sas.annuaire.models import Structure
from sas.audit.models import Action, record
from sas.espace_jeune.models import LienJeune
from sas.jeunes.models import CollectionMethod
from sas.messagerie import envoi as messagerie
from sas.parcours import transitions as parcours_transitions
from sas.parcours.models import Parcours
from sas.parcours.status import Status
from sas.rendezvous import services as rendezvous
from sas.rendezvous.models import RendezVousStatus

from .models import ActorKind, EventKind, LienStructure, Orientation, OrientationStatus, Reason
from .services import courriel_a_la_structure, noter_echec_courriel
from .transitions import record_fact, transition

RAISONS = {
    ActorKind.JEUNE: "Le jeune a retiré son accord sur sa page",
    ActorKind.CONSEILLER: "Le jeune a retiré son accord avec son conseiller",
}
VIA = {ActorKind.JEUNE: CollectionMethod.LIEN_SIGNE, ActorKind.CONSEILLER: CollectionMethod.ORAL}


@dataclass
class Retrait:
    structure: Structure | None
    consentements: int = 0
    annulees: list = field(default_factory=list)


def structures_retirables(parcours, *, at=None):
    """The structures the young person may withdraw from one by one: those an active consent names, and those an
    open referral goes to."""
    consents = parcours.jeune.consents.active(at)
    ouvertes = parcours.orientations.ouvertes()
    return (
        Structure.objects.filter(Q(consents__in=consents) | Q(pk__in=ouvertes.values("structure")))
        .distinct()
        .order_by("nom")
    )


def retirer_consentement(parcours, *, structure=None, actor_kind, actor=None, at=None):
    """Withdraw the young person's consent, for everything (`structure` None) or for one receiving structure, and do
    what that implies. `actor_kind` is the young person (on their page) or the counsellor (with them, recorded as
    theirs).

    Everything: every active consent is withdrawn, the open referrals are cancelled, the structures' and the young
    person's links revoked, upcoming appointments and pending messages cancelled, and the journey closes as
    "consentement retiré" (nothing is sent for it afterwards). Running it on a journey already there completes what
    is missing.
    One structure: the consents naming it are withdrawn for it only, its open referral is cancelled (the journey goes
    back to aiguillage) and its links revoked; the young person's link stays valid.
    Each structure whose referral is cancelled gets an e-mail without any personal data."""
    actor_kind = ActorKind(actor_kind)
    if actor_kind not in RAISONS:
        raise ValueError(f"Un retrait de consentement est fait par le jeune ou le conseiller, pas « {actor_kind} ».")
    at = at or timezone.now()
    with transaction.atomic():
        # Locked: two clicks on "confirm" run one after the other, the second finds nothing left to do.
        Parcours.objects.select_for_update().get(pk=parcours.pk)
        parcours.refresh_from_db(fields=["status", "status_changed_at"])
        if structure is None:
            retrait = _tout(parcours, actor_kind, actor, at)
        else:
            retrait = _une_structure(parcours, structure, actor_kind, actor, at)
        record(
            actor,
            Action.MODIFICATION,
            parcours,
            [parcours.jeune_id],
            retrait_consentement="structure" if structure else "tout",
            structure=structure.pk if structure else None,
            actor_kind=actor_kind.value,
            consentements=retrait.consentements,
            orientations_annulees=[o.pk for o in retrait.annulees],
        )
    for orientation in retrait.annulees:
        _prevenir_structure(orientation, at)
    return retrait


def _tout(parcours, actor_kind, actor, at):
    retrait = Retrait(structure=None)
    if parcours.status != Status.CONSENTEMENT_RETIRE:
        # First, so that the referrals cancelled below leave the journey closed (orientation.transitions).
        parcours_transitions.transition(
            parcours, Status.CONSENTEMENT_RETIRE, actor=actor, reason=RAISONS[actor_kind], at=at
        )
    for consent in parcours.jeune.consents.active(at):
        consent.withdraw(at, by=actor, via=VIA[actor_kind])
        retrait.consentements += 1
    retrait.annulees = _annuler(parcours.orientations.ouvertes(), actor_kind, actor, at)
    LienStructure.objects.filter(orientation__parcours=parcours, revoked_at__isnull=True).update(revoked_at=at)
    for lien in LienJeune.objects.valides(at).filter(parcours=parcours):
        lien.revoquer(at)
    for rdv in parcours.rendez_vous.filter(status=RendezVousStatus.CONFIRME, creneau__debut__gt=at):
        rendezvous.annuler_rdv(rdv, actor=actor, at=at)
    parcours.propositions.filter(close_le__isnull=True).update(close_le=at)
    messagerie.annuler_parcours(parcours, raison=RAISONS[actor_kind])
    return retrait


def _une_structure(parcours, structure, actor_kind, actor, at):
    retrait = Retrait(structure=structure)
    for consent in parcours.jeune.consents.active(at).filter(structures=structure).prefetch_related("structures"):
        consent.withdraw_for(structure, at, by=actor, via=VIA[actor_kind])
        retrait.consentements += 1
    retrait.annulees = _annuler(parcours.orientations.ouvertes().filter(structure=structure), actor_kind, actor, at)
    if not retrait.consentements and not retrait.annulees:
        raise ValidationError(f"Aucun accord en cours ne concerne « {structure.nom} ».")
    LienStructure.objects.filter(
        orientation__parcours=parcours, orientation__structure=structure, revoked_at__isnull=True
    ).update(revoked_at=at)
    for orientation in retrait.annulees:
        messagerie.annuler(f"orientation-{orientation.pk}-", at=at)
    return retrait


def _annuler(orientations, actor_kind, actor, at):
    """Cancel the referrals (which revokes their links), without the usual message to the young person: they are the
    one who asked."""
    annulees = list(orientations.select_related("structure", "service"))
    for orientation in annulees:
        transition(
            orientation,
            OrientationStatus.ANNULEE,
            actor_kind=actor_kind,
            actor=actor,
            reason=Reason.CONSENTEMENT_RETIRE,
            at=at,
        )
    return annulees


NATURE_AVIS = "orientation.avis_annulation"


class _AvisAEnvoyer:
    """The cancellation notice has no link; what is noted on the referral once the provider answered."""

    remplacements = {}

    def __init__(self, orientation, message):
        self.orientation, self.message = orientation, message

    def envoye(self, at):
        detail = {"destinataire": self.message.destinataire, "message": self.message.pk}
        record_fact(self.orientation, EventKind.AVIS_ANNULATION, actor_kind=ActorKind.SYSTEME, at=at, detail=detail)

    def echoue(self, at, erreur):
        noter_echec_courriel(self.orientation, self.message, erreur, at)


class RenduAvisAnnulation:
    """Registered with messagerie (apps.py)."""

    def preparer(self, message, at):
        orientation = Orientation.objects.filter(pk=message.lien_objet).first()
        return None if orientation is None else _AvisAEnvoyer(orientation, message)


def _prevenir_structure(orientation, at):
    """Tell the structure its referral was cancelled, with nothing that says who it was about, through messagerie
    (retried by the worker). A failure is logged as an event, never raised at the young person."""
    if not orientation.destinataire:
        return None
    return courriel_a_la_structure(
        orientation, "structure_annulation", {}, f"structure-annulation-{orientation.pk}", NATURE_AVIS, at
    )
