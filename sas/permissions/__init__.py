"""Who may see and do what: the one place for role guards, per-role scoped querysets and object-level checks.

Every view, API endpoint, template tag and service that asks "may this user see or act on this?" calls a function
here; no other module reads a membership's role to decide access. What a prescriber may read *of* a journey they
see (stages, never free text) is `sas.permissions.suivi`.

Layering: this package sits above the models it scopes (organisations, jeunes, parcours, orientation, diagnostic,
messagerie, rendezvous, suivi) and below the views and services that call it. It imports models only, and no model
imports it, so putting the rules here adds no cycle. It is not a Django app: it has no models of its own. The models
keep plain filters without role knowledge (`Parcours.objects.signalled_by`, `Orientation.objects.ouvertes`).

A user with no active membership in a role (an anonymous visitor, a deactivated account, an ended membership) gets
an empty scope and fails every guard and check.
"""

import operator
from functools import reduce, wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import get_object_or_404

from sas.connexion.models import DemandeAcces
from sas.diagnostic.models import Diagnostic
from sas.espace_jeune.models import pk_du_code
from sas.jeunes.models import Jeune
from sas.messagerie.models import Message
from sas.organisations.models import Organisation, Role, User
from sas.orientation.models import Orientation
from sas.parcours.models import Parcours
from sas.rendezvous.models import Creneau, RendezVous
from sas.rgpd.models import Reclamation
from sas.suivi.models import PointEtape, PointEtapeStatus

from .suivi import avec_suivi

# Role guards


def _memberships(user, role):
    if not user.is_authenticated or not user.is_active:
        return []
    return [m for m in user.active_memberships if m.role == role]


def has_role(user, role):
    """Does `user` hold `role` through at least one active membership?"""
    return bool(_memberships(user, role))


def require_role(user, role):
    """Refuse (403) anyone without `role`."""
    if not has_role(user, role):
        raise PermissionDenied


def role_required(role):
    """View decorator: a visitor who is not logged in goes to the login page, a user without `role` gets a 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            require_role(request.user, role)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# Organisations and territories of a user


def organisations_for_role(user, role):
    """The organisations where `user` holds `role` (a prescriber's organisations, an aiguilleur's SAS teams, a
    structure's organisations), in membership order, from the memberships already loaded: no query."""
    return [m.organisation for m in _memberships(user, role)]


def prescriber_organisations(user):
    """The organisations in whose name `user` signals and manages API tokens, by name; 403 for a non-prescriber."""
    require_role(user, Role.PRESCRIPTEUR)
    return Organisation.objects.filter(pk__in=[o.pk for o in organisations_for_role(user, Role.PRESCRIPTEUR)])


def territories_for_role(user, role):
    """The territories of the organisations where `user` holds `role` (an aiguilleur's, a pilot's)."""
    return [m.organisation.territory for m in _memberships(user, role)]


# Journeys and young people


def parcours_for_role(user, role):
    """prescripteur: journeys their organisations signalled; aiguilleur: journeys of their territories;
    structure, pilote, admin: none (referrals and aggregates have their own paths)."""
    if role == Role.PRESCRIPTEUR:
        return Parcours.objects.signalled_by([o.pk for o in organisations_for_role(user, role)])
    if role == Role.AIGUILLEUR:
        return Parcours.objects.filter(territory_id__in=[m.organisation.territory_id for m in _memberships(user, role)])
    return Parcours.objects.none()


def parcours_du_conseiller(user, uuid, *related):
    """A journey of the counsellor's territories, with `related` selected: anyone else gets a 404, whatever the URL
    (the same answer for another territory and for a wrong id)."""
    queryset = parcours_for_role(user, Role.AIGUILLEUR)
    return get_object_or_404(queryset.select_related(*related) if related else queryset, uuid=uuid)


def parcours_visible_to(user):
    """The journeys `user` may see in any of their roles."""
    roles = user.roles if user.is_authenticated else ()
    return reduce(operator.or_, [parcours_for_role(user, role) for role in roles], Parcours.objects.none())


def parcours_followed_by(user):
    """A prescriber's journeys, loaded with what `suivi.vue_prescripteur()` may show them of each."""
    organisation_ids = [o.pk for o in organisations_for_role(user, Role.PRESCRIPTEUR)]
    return avec_suivi(parcours_for_role(user, Role.PRESCRIPTEUR), organisation_ids)


def parcours_for_organisation(organisation):
    """The journeys `organisation` signalled: what its API token and its statistics cover."""
    return Parcours.objects.signalled_by([organisation.pk])


def parcours_du_code(user, code):
    """The journey of the user's territories (as aiguilleur) whose young person's link has this code, the one printed
    on their letters, even once the link expired: a young person calls with an old letter. Empty for a code that
    names no link or a link elsewhere. Lazy: usable as a subquery."""
    pk = pk_du_code(code)
    if pk is None:
        return Parcours.objects.none()
    return parcours_for_role(user, Role.AIGUILLEUR).filter(liens__pk=pk)


def jeunes_visible_to(user):
    """The only way to list young people: those of the journeys the user may see."""
    return Jeune.objects.filter(pk__in=parcours_visible_to(user).values("jeune_id"))


def is_aiguilleur_of(user, parcours):
    """May `user` act on `parcours` as a counsellor of its territory?"""
    return any(m.organisation.territory_id == parcours.territory_id for m in _memberships(user, Role.AIGUILLEUR))


def require_aiguilleur_of(user, parcours):
    """Refuse (403) anyone but a counsellor of the journey's territory."""
    if not is_aiguilleur_of(user, parcours):
        raise PermissionDenied


def prescriber_scope(user, parcours):
    """None for an aiguilleur of the journey's territory, who sees all of it; otherwise the ids of the user's
    prescribing organisations, whose own signalements and meetings are all they see of it."""
    if is_aiguilleur_of(user, parcours):
        return None
    return {o.pk for o in organisations_for_role(user, Role.PRESCRIPTEUR)}


def assignable_counsellors(user, parcours):
    """The counsellors `user` may assign `parcours` to: aiguilleurs of the user's own SAS teams that cover the
    journey's territory (the user included). Empty when the user is not an aiguilleur there."""
    teams = [
        m.organisation_id
        for m in _memberships(user, Role.AIGUILLEUR)
        if m.organisation.territory_id == parcours.territory_id
    ]
    return (
        User.objects.filter(
            is_active=True,
            memberships__role=Role.AIGUILLEUR,
            memberships__is_active=True,
            memberships__organisation_id__in=teams,
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


# Joint meetings (prescriber + counsellor + young person)


def rencontre_organisations(user, parcours):
    """The prescribing organisations in whose name `user` may book a meeting for `parcours`: those that signalled
    it, all of them for an aiguilleur of its territory, only the user's own for a prescriber."""
    signalling = Organisation.objects.filter(signalements__parcours=parcours).distinct().order_by("nom")
    if is_aiguilleur_of(user, parcours):
        return signalling
    return signalling.filter(pk__in=[o.pk for o in organisations_for_role(user, Role.PRESCRIPTEUR)])


def may_act_on_rencontre(user, parcours, organisation):
    """May `user` book or update a meeting held in the name of `organisation` for `parcours`? The aiguilleurs of
    its territory, and the prescribers of an organisation that signalled it."""
    return is_aiguilleur_of(user, parcours) or (
        organisation in organisations_for_role(user, Role.PRESCRIPTEUR)
        and parcours.signalements.filter(organisation=organisation).exists()
    )


# What hangs on a journey


def orientations_for_aiguilleur(user):
    """The referrals of the journeys of the user's territories."""
    return Orientation.objects.filter(parcours__in=parcours_for_role(user, Role.AIGUILLEUR))


def orientations_for_structure(user):
    """The referrals addressed to the receiving organisations the user is a member of."""
    organisations = organisations_for_role(user, Role.STRUCTURE)
    return Orientation.objects.filter(structure__organisation_id__in=[o.pk for o in organisations])


def points_etape_for_structure(user):
    """The open check-ins (asked, answered by one side or not, follow-up under way) of the young people taken up by
    the receiving organisations the user is a member of."""
    organisations = organisations_for_role(user, Role.STRUCTURE)
    return PointEtape.objects.filter(
        suivi__orientation__structure__organisation_id__in=[o.pk for o in organisations],
        suivi__termine_le__isnull=True,
        status__in=[PointEtapeStatus.ENVOYE, PointEtapeStatus.REPONDU],
    )


def diagnostics_for_aiguilleur(user):
    """The diagnostics of the journeys of the user's territories (prescribers never read diagnostic content)."""
    return Diagnostic.objects.filter(parcours__in=parcours_for_role(user, Role.AIGUILLEUR))


def messages_for_aiguilleur(user):
    """The messages of the journeys of the user's territories."""
    return Message.objects.filter(parcours__in=parcours_for_role(user, Role.AIGUILLEUR))


def creneaux_for_aiguilleur(user):
    """The slots of the user's SAS teams."""
    return Creneau.objects.filter(organisation__in=organisations_for_role(user, Role.AIGUILLEUR))


def rendez_vous_for_aiguilleur(user):
    """Appointments on the user's teams' slots, of journeys they may see."""
    return RendezVous.objects.filter(
        creneau__organisation__in=organisations_for_role(user, Role.AIGUILLEUR),
        parcours__in=parcours_for_role(user, Role.AIGUILLEUR),
    )


def reclamations_for_aiguilleur(user):
    """The young people's complaints about the journeys of the user's territories."""
    return Reclamation.objects.filter(parcours__in=parcours_for_role(user, Role.AIGUILLEUR))


# Join requests


def may_decide_demandes(user):
    """The SAS team of a territory and an organisation's administrators decide who joins."""
    return has_role(user, Role.AIGUILLEUR) or has_role(user, Role.ADMIN)


def demandes_acces_for(user):
    """The join requests `user` may decide: their territories' for the SAS team, their organisation's for its
    administrators."""
    territoires = [t.pk for t in territories_for_role(user, Role.AIGUILLEUR)]
    organisations = [o.pk for o in organisations_for_role(user, Role.ADMIN)]
    if not territoires and not organisations:
        return DemandeAcces.objects.none()
    return DemandeAcces.objects.filter(
        models.Q(territory_id__in=territoires) | models.Q(organisation_id__in=organisations)
    )
