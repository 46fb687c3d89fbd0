"""Joining SAS from ProConnect: a request, then one decision. The account, its membership and (when it was
proposed) the organisation are created by the acceptance and by nothing else."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from sas.audit.transitions import StateMachine
from sas.messagerie import envoi as messagerie
from sas.messagerie.models import Destinataire
from sas.organisations.models import Membership, Organisation, Role, User

from .models import DemandeAcces, EvenementDemande

Status = DemandeAcces.Status
# What one may ask for; administrators are named by the operator.
ROLES_DEMANDABLES = [Role.PRESCRIPTEUR, Role.AIGUILLEUR, Role.STRUCTURE, Role.PILOTE]


def organisation_du_siret(siret):
    return Organisation.objects.filter(siret=siret).select_related("territory").order_by("pk").first()


def demande_ouverte(ident):
    return DemandeAcces.objects.filter(email=ident["email"], siret=ident["siret"], status=Status.EN_ATTENTE).first()


def demander(ident, *, role, organisation=None, nom_organisation="", kind="", territory=None):
    """The request of the professional ProConnect identified (`ident`, proconnect.identite), for the organisation
    with their SIRET or, when SAS has none, the one they propose. Asking again while one is open returns it."""
    if role not in ROLES_DEMANDABLES:
        raise ValidationError("Ce rôle ne se demande pas.")
    if organisation is None and not (nom_organisation.strip() and kind and territory):
        raise ValidationError("Donnez le nom, le type et le territoire de votre organisation.")
    if organisation is not None and organisation.siret != ident["siret"]:
        raise ValidationError("Cette organisation n'a pas le SIRET que ProConnect a transmis.")
    existante = demande_ouverte(ident)
    if existante is not None:
        return existante
    try:
        with transaction.atomic():
            return DemandeAcces.objects.create(
                email=ident["email"],
                prenom=ident["prenom"],
                nom=ident["nom"],
                siret=ident["siret"],
                sub=ident["sub"],
                idp_id=ident["idp_id"],
                organisation=organisation,
                nom_organisation="" if organisation else nom_organisation.strip(),
                kind="" if organisation else kind,
                territory=organisation.territory if organisation else territory,
                role=role,
            )
    except IntegrityError:
        # The same request sent twice at once: the first one stands.
        return demande_ouverte(ident)


class DecisionImpossible(ValidationError):
    pass


MACHINE = StateMachine(
    DemandeAcces,
    EvenementDemande,
    subject="demande",
    table=DemandeAcces.TRANSITIONS,
    refused=lambda de, vers: f"Cette demande a déjà été {de.label.lower()}.",
    error=DecisionImpossible,
    changed_at="decided_at",
    occurred_at=None,
)


def _decider(demande, to_status, actor, *, at=None, then=None):
    return MACHINE.transition(demande, to_status, at=at, then=then, actor=actor)


def accepter(demande, actor, *, at=None):
    """Accept: the organisation (if proposed), the account (unless one has this e-mail) and the membership are
    created now. The account has no password: it logs in through ProConnect."""

    def creer(current):
        organisation = current.organisation
        if organisation is None:
            organisation = Organisation.objects.create(
                nom=current.nom_organisation, kind=current.kind, territory=current.territory, siret=current.siret
            )
            DemandeAcces.objects.filter(pk=current.pk).update(organisation=organisation)
        elif not organisation.siret:
            organisation.siret = current.siret
            organisation.save(update_fields=["siret"])
        user = User.objects.filter(email__iexact=current.email).first()
        if user is None:
            user = User.objects.create_user(current.email, None, first_name=current.prenom, last_name=current.nom)
        Membership.objects.update_or_create(
            user=user, organisation=organisation, role=current.role, defaults={"is_active": True}
        )

    evenement = _decider(demande, Status.ACCEPTEE, actor, at=at, then=creer)
    demande.refresh_from_db(fields=["organisation"])
    _prevenir(demande, "demande_acces_acceptee")
    return evenement


def refuser(demande, actor, *, at=None):
    """Refuse: nothing is created; the person may ask again."""
    evenement = _decider(demande, Status.REFUSEE, actor, at=at)
    _prevenir(demande, "demande_acces_refusee")
    return evenement


def _prevenir(demande, gabarit):
    """The person is told of the decision by e-mail (queued: the deciding click never waits on a mail server)."""
    contexte = {
        "organisation": demande.nom_affiche,
        "role": demande.get_role_display().lower(),
        "territoire": demande.territory.nom,
        "lien": settings.SAS_SITE_URL + reverse("login"),
    }
    messagerie.envoyer_courriel_pro(
        demande.email,
        gabarit,
        contexte,
        nature=Destinataire.PROFESSIONNEL,
        cle=f"{gabarit}-{demande.pk}",
        en_file=True,
    )
