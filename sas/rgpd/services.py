"""The young person's rights on their own data: access (an export in plain French and as JSON), correction of their
contact details (confirmed by a code sent to the new address), erasure, complaints. Views stay thin; these act and
write the audit trail."""

import contextlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sas.audit.models import Action, record
from sas.diagnostic import services as diagnostics
from sas.espace_jeune import services as espace_jeune
from sas.espace_jeune.models import CODE_VALIDITE
from sas.messagerie import envoi as messagerie
from sas.messagerie.models import Destinataire, Message
from sas.messagerie.politique import normaliser_numero
from sas.organisations.models import Membership, Role
from sas.orientation import retrait
from sas.orientation.models import ActorKind
from sas.parcours.status import Status
from sas.parcours.transitions import TransitionError

from .anonymisation import anonymiser
from .models import CanalCoordonnee, ChangementCoordonnee, DemandeEffacement, Reclamation, Via


def _date(moment):
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else ""


def _jour(day):
    return day.strftime("%d/%m/%Y") if day else ""


def export(parcours):
    """Everything SAS holds about the journey's young person, in French words: the same content for the page and
    for the JSON file. What a relative wrote when signalling stays theirs: only "un proche" and the date."""
    jeune = parcours.jeune
    sections = {
        "Identité": {
            "Prénom": jeune.prenom,
            "Nom": jeune.nom,
            "Date de naissance": _jour(jeune.date_naissance),
            "Tranche d'âge": jeune.get_tranche_age_display(),
            "Commune": str(jeune.commune or ""),
            "Adresse postale": jeune.adresse,
        },
        "Coordonnées et préférences": {
            "Téléphone": jeune.telephone,
            "Adresse électronique": jeune.email,
            "Canal préféré": jeune.canal_prefere,
            "Moments préférés": jeune.moments_preferes,
            "Messages arrêtés (STOP) le": _date(jeune.messages_arretes_le),
        },
        "Qui vous a signalé": [
            {"Qui": s.qui, "Le": _date(s.at), "Ce qui a été écrit": s.motif} for s in espace_jeune.signaleurs(parcours)
        ],
        "Votre parcours": [
            {
                "Le": _date(e.occurred_at),
                "Quoi": e.get_kind_display(),
                "Étape": e.get_to_status_display(),
                "Précision": e.reason,
            }
            for e in parcours.events.order_by("occurred_at", "pk")
        ],
        "Messages que nous vous avons envoyés": [
            {"Le": _date(m.envoye_le or m.prevu_le), "Par": m.get_canal_display(), "Objet": m.sujet, "Texte": m.corps}
            for m in Message.objects.filter(parcours=parcours, nature=Destinataire.JEUNE).order_by("prevu_le", "pk")
        ],
        "Vos messages à l'équipe SAS": [
            {"Le": _date(m.recu_le), "Texte": m.texte} for m in parcours.messages_du_jeune.order_by("recu_le", "pk")
        ],
        "Vos accords": [
            {
                "Pour": c.get_purpose_display(),
                "Informations": ", ".join(c.categories),
                "Destinataires": ", ".join(
                    [o.nom for o in c.organisations.all()] + [s.nom for s in c.structures.all()]
                ),
                "Donné le": _date(c.collected_at),
                "Comment": c.get_collected_via_display(),
                "Retiré le": _date(c.withdrawn_at),
            }
            for c in jeune.consents.prefetch_related("organisations", "structures")
        ],
        "Ce que chaque structure a reçu": [
            {
                "Structure": o.structure.nom,
                "Service": o.service.nom,
                "Envoyé le": _date(o.envoyee_le),
                "Où en est-on": o.get_status_display(),
                "Informations transmises": ", ".join(o.partage),
            }
            for o in parcours.orientations.select_related("structure", "service").order_by("envoyee_le", "pk")
        ],
        "Vos rendez-vous": [
            {"Le": _date(r.creneau.debut), "Où": r.creneau.lieu, "Statut": r.get_status_display()}
            for r in parcours.rendez_vous.select_related("creneau").order_by("creneau__debut")
        ],
        "Votre entretien et votre plan d'action": [_diagnostic(d) for d in parcours.diagnostics.order_by("pk")],
        "Vos demandes": [
            {"Réclamation du": _date(r.deposee_le), "Texte": r.texte, "Réponse": r.reponse}
            for r in parcours.reclamations.all()
        ]
        + [
            {"Demande d'effacement du": _date(d.demandee_le), "Faite le": _date(d.traitee_le)}
            for d in parcours.demandes_effacement.all()
        ],
    }
    return {"Données SAS de": str(jeune), "Produit le": _date(timezone.now()), **sections}


def _diagnostic(diagnostic):
    # The whole answer, the counsellor's questions included: the right of access covers every datum held.
    resume = diagnostics.resume(diagnostic)
    return {
        "Statut": diagnostic.get_status_display(),
        "Réponses": {
            section["label"]: {ligne["label"]: str(ligne["valeur"]) for ligne in section["lignes"]}
            for section in resume["sections"]
        },
        "Besoins retenus": [str(getattr(b, "libelle", b)) for b in resume["besoins"]],
        "Synthèse": diagnostic.synthese,
        "Objectifs": diagnostic.objectifs,
        "Qui fait quoi": diagnostic.actions,
        "Votre avis": diagnostic.observation_jeune,
    }


def auditer_export(parcours, *, actor, via, extension):
    record(actor, Action.EXPORT, parcours, [parcours.jeune_id], droit="acces", via=via, format=extension)


# Correction


def normaliser(canal, valeur):
    """The new address in the form SAS stores it, or a ValidationError in plain French."""
    valeur = (valeur or "").strip()
    if canal == CanalCoordonnee.SMS:
        numero = normaliser_numero(valeur)
        if not numero.startswith(("+336", "+337")):
            raise ValidationError("Ce numéro de portable n'est pas valable : il commence par 06 ou 07.")
        return numero
    try:
        validate_email(valeur)
    except ValidationError:
        raise ValidationError("Cette adresse électronique n'est pas valable.") from None
    return valeur.lower()


def demander_changement(lien, canal, valeur, *, at=None):
    """Send a code to the new address; the change waits for it. Returns the change, or None when no code can be
    sent (too many asked)."""
    at = at or timezone.now()
    valeur = normaliser(canal, valeur)
    if espace_jeune.codes_envoyes.exceeded(lien.pk):
        return None
    espace_jeune.codes_envoyes.hit(lien.pk)
    changement = ChangementCoordonnee.objects.create(
        parcours=lien.parcours, lien=lien, canal=canal, valeur=valeur, demande_le=at
    )
    code = lien.nouveau_code(at)
    message = messagerie.envoyer(
        lien.parcours,
        "code_coordonnee",
        canal=canal,
        at=at,
        contexte={"code_verification": code},
        lien=lien,
        destinataire=valeur,
    )
    if message is None:
        return None
    # The young person waits for it on their screen.
    messagerie.expedier(message.pk, at=at)
    record(None, Action.CREATION, changement, [lien.parcours.jeune_id], via="page", canal=canal)
    return changement


def en_attente(lien, *, at=None):
    """The change waiting for its code on this link, if its code is still valid."""
    at = at or timezone.now()
    return (
        ChangementCoordonnee.objects.filter(lien=lien, confirme_le__isnull=True, demande_le__gt=at - CODE_VALIDITE)
        .order_by("-demande_le", "-pk")
        .first()
    )


def confirmer_changement(lien, code, *, at=None):
    """Record the new address if `code` is the one sent to it; returns the change, or None."""
    at = at or timezone.now()
    changement = en_attente(lien, at=at)
    if changement is None or not lien.code_valable(code, at):
        return None
    with transaction.atomic():
        jeune = lien.parcours.jeune
        champ = "telephone" if changement.canal == CanalCoordonnee.SMS else "email"
        ancienne = getattr(jeune, champ)
        setattr(jeune, champ, changement.valeur)
        jeune.save(update_fields=[champ, "updated_at"])
        changement.confirme_le = at
        changement.save(update_fields=["confirme_le"])
        # The code is spent: it cannot confirm a second change.
        lien.nouveau_code(at)
        record(
            None, Action.MODIFICATION, jeune, [jeune.pk], via="page", champ=champ, remplace_une_valeur=bool(ancienne)
        )
    return changement


# Telling the counsellor


def a_prevenir(parcours):
    """Who answers the journey's requests: its counsellor, else the territory's SAS team."""
    if parcours.conseiller_id and parcours.conseiller.is_active:
        return [parcours.conseiller]
    memberships = Membership.objects.filter(
        role=Role.AIGUILLEUR, is_active=True, user__is_active=True, organisation__territory_id=parcours.territory_id
    ).select_related("user")
    return list({m.user_id: m.user for m in memberships.order_by("user_id")}.values())


def prevenir(parcours, demande, gabarit, *, actor=None, at=None):
    """E-mail those who answer (but the one who recorded it) where to handle the request, and by when: the first
    name only. Returns the Messages."""
    lien = settings.SAS_SITE_URL + reverse("parcours:detail", args=[parcours.uuid])
    contexte = {
        "prenom": parcours.jeune.prenom,
        "avant": _jour(timezone.localtime(demande.repondre_avant)),
        "lien": lien,
    }
    return [
        messagerie.envoyer_courriel_pro(
            user.email,
            gabarit,
            {**contexte, "conseiller": user.first_name or str(user)},
            nature=Destinataire.CONSEILLER,
            cle=f"{gabarit}-{demande.pk}-{user.pk}",
            at=at,
        )
        for user in a_prevenir(parcours)
        if user.email and user != actor
    ]


# Erasure


def demander_effacement(parcours, *, via=Via.PAGE, actor=None, at=None):
    """The open request of the journey (a second click asks nothing more); its counsellor is told of a new one."""
    demande = parcours.demandes_effacement.filter(traitee_le__isnull=True).first()
    if demande is None:
        demande = DemandeEffacement.objects.create(parcours=parcours, via=via, demandee_le=at or timezone.now())
        record(actor, Action.CREATION, demande, [parcours.jeune_id], droit="effacement", via=via)
        prevenir(parcours, demande, "conseiller_demande_effacement", actor=actor, at=at)
    return demande


def effacer(demande, *, actor, at=None):
    """Handle an erasure request: tell the young person it is done (the last message, sent now), withdraw their
    consents with everything that implies (structures told, links revoked, messages cancelled), then anonymise them
    as the retention command does. Returns whether the young person could be told (no channel, STOP or an earlier
    withdrawal leave it to the counsellor, by letter)."""
    at = at or timezone.now()
    parcours = demande.parcours
    if demande.traitee_le:
        raise ValidationError("Cette demande d'effacement est déjà traitée.")
    message = messagerie.envoyer(parcours, "effacement_fait", at=at, actor=actor)
    if message is not None:
        messagerie.expedier(message.pk, at=at)
    if parcours.status != Status.CONSENTEMENT_RETIRE:
        # A closed journey has nothing left to withdraw from; the anonymisation below still revokes its links.
        with contextlib.suppress(TransitionError):
            retrait.retirer_consentement(parcours, actor_kind=ActorKind.CONSEILLER, actor=actor, at=at)
    with transaction.atomic():
        anonymiser(parcours.jeune, at=at)
        demande.traitee_le, demande.traitee_par = at, actor
        demande.save(update_fields=["traitee_le", "traitee_par"])
        record(
            actor,
            Action.MODIFICATION,
            demande,
            [parcours.jeune_id],
            droit="effacement",
            fait=True,
            prevenu=bool(message),
        )
    return message is not None


# Complaints


def deposer_reclamation(parcours, texte, *, at=None):
    texte = (texte or "").strip()
    if not texte:
        raise ValidationError("Écrivez votre réclamation.")
    reclamation = Reclamation.objects.create(parcours=parcours, texte=texte, deposee_le=at or timezone.now())
    record(None, Action.CREATION, reclamation, [parcours.jeune_id], via="page", droit="reclamation")
    prevenir(parcours, reclamation, "conseiller_reclamation", at=at)
    return reclamation


def repondre(reclamation, texte, *, actor, at=None):
    texte = (texte or "").strip()
    if not texte:
        raise ValidationError("Écrivez votre réponse.")
    if reclamation.repondue_le:
        raise ValidationError("Cette réclamation a déjà une réponse.")
    reclamation.reponse, reclamation.repondue_le, reclamation.repondue_par = texte, at or timezone.now(), actor
    reclamation.save(update_fields=["reponse", "repondue_le", "repondue_par"])
    record(actor, Action.MODIFICATION, reclamation, [reclamation.parcours.jeune_id], droit="reclamation")
    return reclamation


def record_consultation(parcours, *, actor=None):
    record(actor, Action.CONSULTATION, parcours, [parcours.jeune_id], page="donnees", via="" if actor else "page")
