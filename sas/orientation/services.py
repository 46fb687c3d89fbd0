"""The hand-off: propose services, let the young person choose, send the referral under their consent, and follow
it until take-up. Views stay thin; every move goes through transitions.transition()."""

import datetime
import logging
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from sas.annuaire import matching
from sas.diagnostic import services as diagnostics
from sas.jeunes.models import CollectionMethod, Consent, DataCategory, Purpose, may_receive
from sas.messagerie import envoi as messagerie
from sas.messagerie.models import MASQUE, Destinataire
from sas.parcours import transitions as parcours_transitions
from sas.parcours.status import Status

from . import indicators
from .models import ActorKind, EventKind, LienStructure, Orientation, OrientationStatus, Proposition, Reason
from .transitions import TransitionError, record_fact, start, transition

logger = logging.getLogger(__name__)

# At most this many services are proposed at once: a choice, not a catalogue.
MAX_PROPOSITIONS = 3
RELANCES_APRES = (datetime.timedelta(days=3), datetime.timedelta(days=7))
EXPIRE_APRES = datetime.timedelta(days=15)
# Where the counsellor may propose from.
# ABANDON: back from a follow-up that broke (remobilisation), another structure may be proposed.
PEUT_PROPOSER = frozenset(
    {Status.DIAGNOSTIC_FAIT, Status.ORIENTATION_PROPOSEE, Status.ORIENTATION_REFUSEE, Status.ABANDON}
)
# Without identity and contact details a structure cannot reach the young person: both are needed to send.
CATEGORIES_REQUISES = (DataCategory.IDENTITE, DataCategory.COORDONNEES)


def profil(parcours, diagnostic=None):
    """What matching needs to know of the young person, from their commune and their last completed diagnostic."""
    jeune = parcours.jeune
    diagnostic = diagnostic or diagnostics.dernier_termine(parcours)
    reponses = diagnostic.reponses if diagnostic else {}
    mobilite = (reponses.get("mobilite") or {}).get("niveau")
    rayon = {"bloquant": 10.0}.get(mobilite, 30.0 if reponses.get("vehicule") == "oui" else matching.DEFAULT_RAYON_KM)
    heures = reponses.get("heures_semaine")
    return matching.ProfilJeune.pour_commune(
        jeune.commune,
        thematiques=tuple(diagnostics.thematiques(diagnostic)) if diagnostic else (),
        urgences=diagnostics.urgences(diagnostic) if diagnostic else (),
        age=jeune.age(),
        rayon_km=rayon,
        heures_disponibles=float(heures) if heures not in (None, "") else None,
        mode_prefere=matching.A_DISTANCE if mobilite == "bloquant" else None,
    )


def classer(parcours, filtres=None, *, limite=20):
    """The ranking for this young person, the services already proposed to them marked (not proposable again)."""
    return matching.classer(
        profil(parcours),
        filtres,
        limite=limite,
        reactivite=indicators.reactivite,
        deja_proposes=services_deja_proposes(parcours),
    )


def relaxations(parcours, filtres=None):
    return matching.relaxations(profil(parcours), filtres)


def services_deja_proposes(parcours):
    """Services proposed to this young person and waiting for their choice, or already sent a referral (whatever
    became of it). A service proposed beside the one they chose may come back later: it is the next suggestion."""
    proposed = set(parcours.propositions.filter(close_le__isnull=True).values_list("service_id", flat=True))
    return proposed | set(parcours.orientations.values_list("service_id", flat=True))


def structures_essayees(parcours):
    return set(parcours.orientations.values_list("structure_id", flat=True))


def suggestion(parcours, filtres=None):
    """After a refusal or an expiry: the best-ranked service of a structure not tried yet, or None."""
    tried = structures_essayees(parcours)
    return next((p for p in classer(parcours, filtres, limite=50) if p.structure_id not in tried), None)


def propositions_ouvertes(parcours):
    return parcours.propositions.filter(close_le__isnull=True).select_related("service__structure")


def proposer(parcours, propositions, *, actor, at=None):
    """Propose services (matching.ServiceClasse items) to the young person, who chooses on their page."""
    at = at or timezone.now()
    if parcours.status not in PEUT_PROPOSER:
        raise ValidationError(
            f"Le parcours est au statut « {Status(parcours.status).label} » : proposez des structures après le "
            "diagnostic."
        )
    if not propositions:
        raise ValidationError("Choisissez au moins un service à proposer.")
    with transaction.atomic():
        ouvertes = list(propositions_ouvertes(parcours))
        deja = {p.service_id for p in ouvertes}
        nouvelles = [p for p in propositions if p.service_id not in deja]
        proposes_avant = services_deja_proposes(parcours) - deja
        if refus := [p.service_nom for p in nouvelles if p.service_id in proposes_avant]:
            raise ValidationError(f"Déjà proposé à ce jeune : {', '.join(refus)}. Choisissez un autre service.")
        if len(ouvertes) + len(nouvelles) > MAX_PROPOSITIONS:
            raise ValidationError(f"Proposez au plus {MAX_PROPOSITIONS} services à la fois.")
        created = Proposition.objects.bulk_create(
            Proposition(
                parcours=parcours,
                service_id=p.service_id,
                rang=p.rang,
                explication=p.explication,
                proposee_par=actor,
                proposee_le=at,
            )
            for p in nouvelles
        )
        if parcours.status != Status.ORIENTATION_PROPOSEE:
            parcours_transitions.transition(
                parcours, Status.ORIENTATION_PROPOSEE, actor=actor, reason="Structures proposées au jeune", at=at
            )
    _prevenir_jeune(parcours, "orientation_proposee", cle=f"propositions-{parcours.pk}-{at:%Y%m%d%H%M%S}", at=at)
    return created


def consentir(parcours, structure, *, diagnostic, via, actor=None, at=None):
    """Record the young person's agreement that `structure` receives their identity and contact details, and the
    content of their diagnostic only if they said so."""
    categories = [*CATEGORIES_REQUISES, *([DataCategory.DIAGNOSTIC] if diagnostic else [])]
    consent = Consent.objects.create(
        jeune=parcours.jeune,
        purpose=Purpose.TRANSMISSION,
        categories=categories,
        collected_by=actor,
        collected_via=via,
        collected_at=at or timezone.now(),
    )
    consent.structures.add(structure)
    return consent


def choisir(proposition, *, partager_diagnostic, actor_kind, actor=None, at=None):
    """The young person chooses a proposed service (on their page, or with the counsellor who records it): their
    consent is recorded for that structure, the other proposals close, and the referral is sent."""
    at = at or timezone.now()
    parcours = proposition.parcours
    via = CollectionMethod.LIEN_SIGNE if actor_kind == ActorKind.JEUNE else CollectionMethod.ORAL
    with transaction.atomic():
        proposition = (
            Proposition.objects.select_for_update().select_related("service__structure").get(pk=proposition.pk)
        )
        if proposition.close_le is not None:
            raise ValidationError("Cette proposition n'est plus ouverte.")
        structure = proposition.service.structure
        consentir(parcours, structure, diagnostic=partager_diagnostic, via=via, actor=actor, at=at)
        parcours.propositions.filter(close_le__isnull=True).update(close_le=at)
        orientation = envoyer(parcours, proposition.service, actor_kind=actor_kind, actor=actor, at=at)
    _apres_envoi(orientation, at)
    return orientation


def envoyer(parcours, service, *, actor_kind, actor=None, at=None):
    """Write the referral to `service` and move the journey, refused without the young person's consent naming that
    structure. Notifying the structure and the young person is left to the caller, once the transaction is over."""
    at = at or timezone.now()
    structure = service.structure
    jeune = parcours.jeune
    if parcours.orientations.ouvertes().exists():
        raise ValidationError("Une orientation est déjà en cours pour ce jeune : attendez sa réponse ou annulez-la.")
    if service.date_suspension is not None and service.date_suspension <= timezone.localdate(at):
        raise ValidationError(f"« {service.nom} » est suspendu dans l'annuaire : proposez un autre service.")
    if not all(may_receive(jeune, structure, category, at) for category in CATEGORIES_REQUISES):
        raise ValidationError(
            f"Aucun accord du jeune ne couvre la transmission à « {structure.nom} » : recueillez-le d'abord."
        )
    destinataire = service.courriel or structure.courriel
    if not destinataire and structure.organisation_id is None:
        raise ValidationError(
            f"« {structure.nom} » n'a ni adresse électronique ni compte SAS : complétez l'annuaire avant d'envoyer."
        )
    if parcours.status == Status.ORIENTATION_REFUSEE or parcours.status == Status.DIAGNOSTIC_FAIT:
        parcours_transitions.transition(parcours, Status.ORIENTATION_PROPOSEE, actor=actor, at=at)
    parcours_transitions.transition(
        parcours, Status.ORIENTATION_ENVOYEE, actor=actor, reason=f"Orientation vers {structure.nom}", at=at
    )
    return start(
        parcours=parcours,
        service=service,
        actor_kind=actor_kind,
        actor=actor,
        at=at,
        destinataire=destinataire,
        partage=partage(parcours, structure, at=at),
    )


def partage(parcours, structure, *, at=None):
    """What the structure may read: each category only if the young person's consent covers it for this structure."""
    jeune = parcours.jeune
    out = {}
    if may_receive(jeune, structure, DataCategory.IDENTITE, at):
        out["identite"] = {"prenom": jeune.prenom, "nom": jeune.nom, "age": jeune.age(), "commune": str(jeune.commune)}
    if may_receive(jeune, structure, DataCategory.COORDONNEES, at):
        out["coordonnees"] = {
            "telephone": jeune.telephone,
            "email": jeune.email,
            "canal_prefere": jeune.canal_prefere,
            "moments_preferes": jeune.moments_preferes,
        }
    diagnostic = diagnostics.dernier_termine(parcours)
    if diagnostic and may_receive(jeune, structure, DataCategory.DIAGNOSTIC, at):
        resume = diagnostics.resume(diagnostic, pour_jeune=True)
        out["diagnostic"] = {
            "besoins": [b.libelle for b in resume["besoins"]],
            "sections": [
                {"label": s["label"], "lignes": [[line["label"], line["valeur"]] for line in s["lignes"]]}
                for s in resume["sections"]
            ],
            "objectifs": diagnostic.objectifs,
            "observation_jeune": diagnostic.observation_jeune,
        }
    return out


CATEGORIE_DU_PARTAGE = {
    "identite": DataCategory.IDENTITE,
    "coordonnees": DataCategory.COORDONNEES,
    "diagnostic": DataCategory.DIAGNOSTIC,
}


def partage_visible(orientation, *, at=None):
    """What the structure may still read: a consent withdrawn since the sending hides what it covered."""
    jeune, structure = orientation.parcours.jeune, orientation.structure
    return {
        key: value
        for key, value in orientation.partage.items()
        if may_receive(jeune, structure, CATEGORIE_DU_PARTAGE[key], at)
    }


def _apres_envoi(orientation, at):
    notifier_structure(orientation, raison="nouvelle", at=at)
    _prevenir_jeune(orientation.parcours, "orientation_envoyee", orientation=orientation, at=at)


def lien_url(token):
    return settings.SAS_SITE_URL + reverse("orientation:lien", args=[token])


# The structure's magic link in its e-mails: built by RenduLienStructure below when the e-mail leaves, never stored.
NATURE_LIEN = "orientation.lien_structure"
GABARITS_STRUCTURE = {"nouvelle": "structure_orientation", "relance": "structure_relance"}


class _LienAEnvoyer:
    """A fresh link for one sending attempt of a structure's e-mail; what happens to it once the provider answered."""

    def __init__(self, orientation, message, lien, token):
        self.orientation, self.message, self.lien = orientation, message, lien
        self.remplacements = {MASQUE: token}

    def envoye(self, at):
        # Sent: the earlier links stop working, so that one link per referral is valid at a time.
        self.orientation.liens.filter(revoked_at__isnull=True).exclude(pk=self.lien.pk).update(revoked_at=at)
        kind = EventKind.RELANCE if self.message.gabarit == GABARITS_STRUCTURE["relance"] else EventKind.COURRIEL
        detail = {"destinataire": self.message.destinataire, "message": self.message.pk}
        record_fact(self.orientation, kind, actor_kind=ActorKind.SYSTEME, at=at, detail=detail)

    def echoue(self, at, erreur):
        # Not sent: this attempt's link goes, the earlier one keeps working.
        self.lien.revoked_at = at
        self.lien.save(update_fields=["revoked_at"])
        noter_echec_courriel(self.orientation, self.message, erreur, at)


def noter_echec_courriel(orientation, message, erreur, at):
    """An e-mail about this referral did not leave (the worker retries it): logged, and an event for the counsellor."""
    logger.warning("Courriel %s de l'orientation %s non envoyé : %s", message.gabarit, orientation.pk, erreur)
    record_fact(
        orientation,
        EventKind.ECHEC_COURRIEL,
        actor_kind=ActorKind.SYSTEME,
        precision=str(erreur)[:500],
        at=at,
        detail={"message": message.pk},
    )


class RenduLienStructure:
    """Registered with messagerie (apps.py): each attempt to send a structure's e-mail gets a fresh link."""

    def preparer(self, message, at):
        orientation = Orientation.objects.filter(pk=message.lien_objet).first()
        if orientation is None or orientation.finale:
            return None
        lien, token = LienStructure.creer(
            orientation, duree=datetime.timedelta(days=settings.SAS_LIEN_STRUCTURE_JOURS), at=at
        )
        return _LienAEnvoyer(orientation, message, lien, token)


def notifier_structure(orientation, *, raison, at=None):
    """E-mail a fresh magic link to the structure, through messagerie (retried by the worker when the server is
    down). Once it is sent, the earlier links stop working; a failed attempt is logged as an event (the counsellor
    sees it) and keeps the earlier link, never raised at the young person or the counsellor. Returns the event of
    the first attempt (None when nothing was sent)."""
    at = at or timezone.now()
    if not orientation.destinataire:
        return None
    cle = f"structure-orientation-{orientation.pk}-"
    # A new e-mail replaces one still waiting for a retry: the structure gets the latest only.
    messagerie.annuler(cle, at=at)
    contexte = {
        "prenom": orientation.partage.get("identite", {}).get("prenom", "Un jeune"),
        # The stored text keeps the mask: the token is put in by RenduLienStructure as the e-mail leaves.
        "lien": unquote(lien_url(MASQUE)),
    }
    return courriel_a_la_structure(
        orientation, GABARITS_STRUCTURE[raison], contexte, f"{cle}{raison}-{at:%Y%m%dT%H%M%S.%f}", NATURE_LIEN, at
    )


def courriel_a_la_structure(orientation, gabarit, contexte, cle, lien_nature, at):
    """E-mail the referral's structure through messagerie (the referral's date and service added to `contexte`);
    returns the event of the first attempt, where a failure is logged."""
    contexte = {
        **contexte,
        "envoyee_le": f"{timezone.localtime(orientation.envoyee_le):%d/%m/%Y}",
        "service": orientation.service.nom,
    }
    message = messagerie.envoyer_courriel_pro(
        orientation.destinataire,
        gabarit,
        contexte,
        nature=Destinataire.STRUCTURE,
        cle=cle,
        lien=(lien_nature, orientation.pk),
        at=at,
    )
    return orientation.events.filter(detail__message=message.pk).order_by("-pk").first()


GABARIT_PAR_STATUT = {
    OrientationStatus.ACCEPTEE: "orientation_acceptee",
    OrientationStatus.RDV_FIXE: "orientation_rdv",
    OrientationStatus.REFUSEE: "orientation_fermee",
    OrientationStatus.EXPIREE: "orientation_fermee",
    OrientationStatus.ANNULEE: "orientation_fermee",
}


def _prevenir_jeune(parcours, gabarit, *, orientation=None, cle=None, at=None):
    """Tell the young person by their channel (messagerie applies STOP, pause, caps and quiet hours)."""
    contexte = {}
    if orientation is not None:
        contexte["structure"] = orientation.structure.nom[:40]
        if orientation.premier_rdv_le:
            contexte["rdv"] = orientation.premier_rdv_le
        cle = cle or f"orientation-{orientation.pk}-{orientation.status}"
    return messagerie.envoyer(parcours, gabarit, at=at, contexte=contexte, cle=cle)


def _changer_et_prevenir(orientation, to_status, **kwargs):
    event = transition(orientation, to_status, **kwargs)
    gabarit = GABARIT_PAR_STATUT.get(to_status)
    if gabarit:
        _prevenir_jeune(orientation.parcours, gabarit, orientation=orientation, at=kwargs.get("at"))
    return event


def voir(orientation, *, actor=None, at=None):
    """The structure said it read the referral (a button, or its first answer): "vue" the first time, nothing after.
    Never called on opening a page: e-mail link scanners open links too."""
    if orientation.status == OrientationStatus.ENVOYEE:
        try:
            transition(orientation, OrientationStatus.VUE, actor_kind=ActorKind.STRUCTURE, actor=actor, at=at)
        except TransitionError:
            orientation.refresh_from_db()
    return orientation


def accepter(orientation, *, actor=None, at=None):
    return _changer_et_prevenir(
        orientation, OrientationStatus.ACCEPTEE, actor_kind=ActorKind.STRUCTURE, actor=actor, at=at
    )


def refuser(orientation, *, reason, precision="", actor=None, at=None):
    return _changer_et_prevenir(
        orientation,
        OrientationStatus.REFUSEE,
        actor_kind=ActorKind.STRUCTURE,
        reason=reason,
        precision=precision,
        actor=actor,
        at=at,
    )


def fixer_rdv(orientation, date_rdv, *, actor=None, at=None):
    at = at or timezone.now()
    if date_rdv is None:
        raise ValidationError("Indiquez la date du premier rendez-vous.")
    if date_rdv < at - datetime.timedelta(days=30):
        raise ValidationError("La date du premier rendez-vous est trop ancienne.")
    return _changer_et_prevenir(
        orientation,
        OrientationStatus.RDV_FIXE,
        actor_kind=ActorKind.STRUCTURE,
        actor=actor,
        at=at,
        detail={"le": date_rdv.isoformat()},
        premier_rdv_le=date_rdv,
    )


def confirmer_prise_en_charge(orientation, *, actor=None, at=None):
    at = at or timezone.now()
    if orientation.premier_rdv_le and orientation.premier_rdv_le > at:
        raise ValidationError("Le premier rendez-vous n'a pas encore eu lieu : confirmez la prise en charge après.")
    return _changer_et_prevenir(
        orientation, OrientationStatus.PRISE_EN_CHARGE, actor_kind=ActorKind.STRUCTURE, actor=actor, at=at
    )


def annuler(orientation, *, actor_kind, reason, precision="", actor=None, at=None):
    """End the referral without take-up (the young person did not come, changed their mind…)."""
    return _changer_et_prevenir(
        orientation,
        OrientationStatus.ANNULEE,
        actor_kind=actor_kind,
        reason=reason,
        precision=precision,
        actor=actor,
        at=at,
    )


def rencontre_confirmee_par_jeune(orientation, *, rencontre, at=None):
    """The young person's own answer to "did you meet them?", kept beside the structure's confirmation."""
    return record_fact(
        orientation,
        EventKind.RENCONTRE_JEUNE,
        actor_kind=ActorKind.JEUNE,
        at=at,
        detail={"rencontre": bool(rencontre)},
        precision="Oui, je les ai rencontrés" if rencontre else "Non, pas encore",
    )


def a_demander_au_jeune(parcours, *, at=None):
    """The referral whose first meeting has passed and the young person has not said yet whether it took place."""
    at = at or timezone.now()
    return (
        parcours.orientations.filter(
            status__in=[OrientationStatus.RDV_FIXE, OrientationStatus.PRISE_EN_CHARGE], premier_rdv_le__lte=at
        )
        .exclude(events__kind=EventKind.RENCONTRE_JEUNE)
        .select_related("structure", "service")
        .first()
    )


def relancer(*, wet_run=False, at=None):
    """Remind silent structures after 3 and 7 days (twice, never more), expire at 15 days. Idempotent: the
    reminders already sent are counted from the events. Returns one French line per action."""
    at = at or timezone.now()
    lines = []
    ouvertes = (
        Orientation.objects.filter(
            status__in=[OrientationStatus.ENVOYEE, OrientationStatus.VUE], envoyee_le__lte=at - RELANCES_APRES[0]
        )
        .select_related("parcours__jeune", "service", "structure")
        .annotate(relances=Count("events", filter=Q(events__kind=EventKind.RELANCE)))
        .order_by("envoyee_le", "pk")
    )
    for orientation in ouvertes:
        age = at - orientation.envoyee_le
        if age >= EXPIRE_APRES:
            lines.append(f"Orientation {orientation.pk} vers {orientation.structure.nom} : expirée après 15 jours.")
            if wet_run:
                _changer_et_prevenir(
                    orientation,
                    OrientationStatus.EXPIREE,
                    actor_kind=ActorKind.SYSTEME,
                    reason=Reason.SANS_REPONSE,
                    at=at,
                )
            continue
        dues = sum(1 for delai in RELANCES_APRES if age >= delai)
        if orientation.relances < dues:
            numero = orientation.relances + 1
            lines.append(f"Orientation {orientation.pk} vers {orientation.structure.nom} : relance n°{numero}.")
            if wet_run:
                notifier_structure(orientation, raison="relance", at=at)
    return lines
