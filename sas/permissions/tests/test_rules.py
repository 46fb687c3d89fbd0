"""Each rule of sas.permissions, once: the right role sees its own, another organisation, another territory, an
anonymous visitor, a deactivated account and an ended membership see nothing of it. The per-view tests of each app
check that the views go through these rules."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from sas.annuaire.factories import service
from sas.diagnostic.models import Diagnostic, Questionnaire
from sas.messagerie.models import CanalMessage, Message
from sas.organisations.factories import MembershipFactory, OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role, User
from sas.orientation import transitions as orientation_transitions
from sas.orientation.models import ActorKind
from sas.parcours.factories import SignalementFactory
from sas.permissions import (
    assignable_counsellors,
    creneaux_for_aiguilleur,
    diagnostics_for_aiguilleur,
    has_role,
    is_aiguilleur_of,
    jeunes_visible_to,
    may_act_on_rencontre,
    messages_for_aiguilleur,
    organisations_for_role,
    orientations_for_aiguilleur,
    orientations_for_structure,
    parcours_followed_by,
    parcours_for_organisation,
    parcours_for_role,
    parcours_visible_to,
    prescriber_organisations,
    prescriber_scope,
    rencontre_organisations,
    rendez_vous_for_aiguilleur,
    require_aiguilleur_of,
    require_role,
    role_required,
    territories_for_role,
)
from sas.rendezvous.models import Creneau, Modalite, PrisPar, RendezVous

pytestmark = pytest.mark.django_db

ROLES_WITHOUT_JOURNEYS = (Role.STRUCTURE, Role.PILOTE, Role.ADMIN)


@pytest.fixture
def w():
    """Territory A: prescribing organisations P and Q (each signalled one young person, and both a third), two SAS
    teams (T with two counsellors, U with one), a receiving organisation S, a pilot. Territory B: a SAS team and
    one young person signalled there."""
    a, b = TerritoryFactory(nom="A"), TerritoryFactory(nom="B")
    p = OrganisationFactory(territory=a, kind=OrganisationKind.ASE, nom="P")
    q = OrganisationFactory(territory=a, kind=OrganisationKind.SPIP, nom="Q")
    team_t = OrganisationFactory(territory=a, kind=OrganisationKind.EQUIPE_SAS, nom="T")
    team_u = OrganisationFactory(territory=a, kind=OrganisationKind.EQUIPE_SAS, nom="U")
    team_b = OrganisationFactory(territory=b, kind=OrganisationKind.EQUIPE_SAS, nom="Équipe B")
    structure_org = OrganisationFactory(territory=a, kind=OrganisationKind.STRUCTURE_ACCUEIL, nom="S")
    pa = SignalementFactory(parcours__territory=a, organisation=p).parcours
    qa = SignalementFactory(parcours__territory=a, organisation=q).parcours
    shared = SignalementFactory(parcours__territory=a, organisation=p).parcours
    SignalementFactory(parcours=shared, organisation=q)
    pb = SignalementFactory(parcours__territory=b).parcours
    return {
        "a": a,
        "b": b,
        "p": p,
        "q": q,
        "team_t": team_t,
        "team_u": team_u,
        "team_b": team_b,
        "structure_org": structure_org,
        "pa": pa,
        "qa": qa,
        "shared": shared,
        "pb": pb,
        "prescripteur_p": member(Role.PRESCRIPTEUR, p),
        "prescripteur_q": member(Role.PRESCRIPTEUR, q),
        "aiguilleur_t": member(Role.AIGUILLEUR, team_t),
        "collegue_t": member(Role.AIGUILLEUR, team_t),
        "aiguilleur_u": member(Role.AIGUILLEUR, team_u),
        "aiguilleur_b": member(Role.AIGUILLEUR, team_b),
        "structure": member(Role.STRUCTURE, structure_org),
        "pilote": member(Role.PILOTE, territory=a),
        "admin": member(Role.ADMIN, territory=a),
    }


def fresh(user):
    """The user as a new request loads it (memberships are cached on the instance)."""
    return User.objects.get(pk=user.pk)


def deactivated(user):
    User.objects.filter(pk=user.pk).update(is_active=False)
    return fresh(user)


def losers(w, user_key):
    """The same person as an anonymous visitor, as a deactivated account, and with their memberships ended, each
    loaded as a request would; the database is left as it was, so each case stands alone."""
    user = w[user_key]
    inactive = deactivated(user)
    assert not inactive.is_active and inactive.active_memberships  # loaded now, while deactivated
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.memberships.update(is_active=False)
    ended = fresh(user)
    assert ended.is_active and not ended.active_memberships
    user.memberships.update(is_active=True)
    return [AnonymousUser(), inactive, ended]


# Role guards


def test_has_role_and_require_role(w):
    assert has_role(w["aiguilleur_t"], Role.AIGUILLEUR)
    assert not has_role(w["prescripteur_p"], Role.AIGUILLEUR)
    require_role(w["aiguilleur_t"], Role.AIGUILLEUR)
    for user in [w["prescripteur_p"], w["structure"], w["pilote"], w["admin"], *losers(w, "aiguilleur_t")]:
        assert not has_role(user, Role.AIGUILLEUR)
        with pytest.raises(PermissionDenied):
            require_role(user, Role.AIGUILLEUR)


def test_role_required_sends_a_visitor_to_login_and_refuses_another_role(w):
    @role_required(Role.PILOTE)
    def view(request):
        return HttpResponse("indicateurs")

    def get(user):
        request = RequestFactory().get("/indicateurs/")
        request.user = user
        return view(request)

    assert get(w["pilote"]).content == b"indicateurs"
    anonymous = get(AnonymousUser())
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login") + "?next=")
    for user in [w["aiguilleur_t"], deactivated(w["pilote"])]:
        with pytest.raises(PermissionDenied):
            get(user)


# Organisations and territories of a user


def test_organisations_for_role_are_the_active_memberships_of_that_role(w):
    user = w["aiguilleur_t"]
    MembershipFactory(user=user, organisation=w["q"], role=Role.PRESCRIPTEUR, is_active=False)
    user = fresh(user)
    assert organisations_for_role(user, Role.AIGUILLEUR) == [w["team_t"]]
    assert organisations_for_role(user, Role.PRESCRIPTEUR) == []
    for user in losers(w, "aiguilleur_t"):
        assert organisations_for_role(user, Role.AIGUILLEUR) == []


def test_prescriber_organisations_by_name_and_only_for_a_prescriber(w):
    MembershipFactory(user=w["prescripteur_q"], organisation=w["p"], role=Role.PRESCRIPTEUR)
    assert list(prescriber_organisations(fresh(w["prescripteur_q"]))) == [w["p"], w["q"]]
    assert list(prescriber_organisations(w["prescripteur_p"])) == [w["p"]]
    for user in [w["aiguilleur_t"], w["structure"], *losers(w, "prescripteur_p")]:
        with pytest.raises(PermissionDenied):
            prescriber_organisations(user)


def test_territories_for_role(w):
    assert territories_for_role(w["pilote"], Role.PILOTE) == [w["a"]]
    assert territories_for_role(w["aiguilleur_b"], Role.AIGUILLEUR) == [w["b"]]
    assert territories_for_role(w["aiguilleur_b"], Role.PILOTE) == []
    for user in losers(w, "pilote"):
        assert territories_for_role(user, Role.PILOTE) == []


# Journeys and young people


def test_a_prescriber_sees_the_journeys_their_organisation_signalled(w):
    assert set(parcours_for_role(w["prescripteur_p"], Role.PRESCRIPTEUR)) == {w["pa"], w["shared"]}
    assert set(parcours_for_role(w["prescripteur_q"], Role.PRESCRIPTEUR)) == {w["qa"], w["shared"]}
    # A prescriber has no territory scope, and an aiguilleur signalled nothing.
    assert not parcours_for_role(w["prescripteur_p"], Role.AIGUILLEUR).exists()
    assert not parcours_for_role(w["aiguilleur_t"], Role.PRESCRIPTEUR).exists()
    for user in losers(w, "prescripteur_p"):
        assert not parcours_for_role(user, Role.PRESCRIPTEUR).exists()


def test_an_aiguilleur_sees_the_journeys_of_their_territory(w):
    assert set(parcours_for_role(w["aiguilleur_t"], Role.AIGUILLEUR)) == {w["pa"], w["qa"], w["shared"]}
    assert set(parcours_for_role(w["aiguilleur_b"], Role.AIGUILLEUR)) == {w["pb"]}
    for user in losers(w, "aiguilleur_t"):
        assert not parcours_for_role(user, Role.AIGUILLEUR).exists()


def test_visible_journeys_and_young_people_join_the_roles_and_nothing_else(w):
    both = w["prescripteur_p"]
    MembershipFactory(user=both, organisation=w["team_b"], role=Role.AIGUILLEUR)
    both = fresh(both)
    assert set(parcours_visible_to(both)) == {w["pa"], w["shared"], w["pb"]}
    assert set(jeunes_visible_to(both)) == {w["pa"].jeune, w["shared"].jeune, w["pb"].jeune}
    for role in ROLES_WITHOUT_JOURNEYS:
        key = {Role.STRUCTURE: "structure", Role.PILOTE: "pilote", Role.ADMIN: "admin"}[role]
        assert not parcours_visible_to(w[key]).exists()
        assert not jeunes_visible_to(w[key]).exists()
    for user in losers(w, "aiguilleur_t"):
        assert not parcours_visible_to(user).exists()
        assert not jeunes_visible_to(user).exists()


def test_an_organisation_token_covers_the_journeys_it_signalled(w):
    assert set(parcours_for_organisation(w["q"])) == {w["qa"], w["shared"]}
    assert not parcours_for_organisation(w["team_t"]).exists()


def test_a_prescriber_follows_only_their_own_signalements(w):
    followed = {p.pk: p for p in parcours_followed_by(w["prescripteur_p"])}
    assert set(followed) == {w["pa"].pk, w["shared"].pk}
    # On the journey both signalled, Q's signalement is not loaded for P.
    assert [s.organisation for s in followed[w["shared"].pk].signalements_suivis] == [w["p"]]
    for user in [w["aiguilleur_t"], *losers(w, "prescripteur_p")]:
        assert not parcours_followed_by(user).exists()


def test_is_aiguilleur_of_the_journeys_territory(w):
    assert is_aiguilleur_of(w["aiguilleur_t"], w["pa"])
    assert is_aiguilleur_of(w["aiguilleur_u"], w["pa"])
    require_aiguilleur_of(w["aiguilleur_t"], w["pa"])
    refused = [
        (w["aiguilleur_b"], w["pa"]),
        (w["aiguilleur_t"], w["pb"]),
        (w["prescripteur_p"], w["pa"]),
        *[(user, w["pa"]) for user in losers(w, "aiguilleur_t")],
    ]
    for user, parcours in refused:
        assert not is_aiguilleur_of(user, parcours)
        with pytest.raises(PermissionDenied):
            require_aiguilleur_of(user, parcours)


def test_prescriber_scope(w):
    assert prescriber_scope(w["aiguilleur_t"], w["shared"]) is None
    assert prescriber_scope(w["prescripteur_p"], w["shared"]) == {w["p"].pk}
    # An aiguilleur of another territory is treated as what they are there: nobody's prescriber.
    assert prescriber_scope(w["aiguilleur_b"], w["shared"]) == set()
    assert prescriber_scope(AnonymousUser(), w["shared"]) == set()


def test_assignable_counsellors_are_the_users_team_on_the_journeys_territory(w):
    assert list(assignable_counsellors(w["aiguilleur_t"], w["pa"])) == sorted(
        [w["aiguilleur_t"], w["collegue_t"]], key=lambda u: (u.first_name, u.last_name, u.pk)
    )
    deactivated(w["collegue_t"])
    assert list(assignable_counsellors(w["aiguilleur_t"], w["pa"])) == [w["aiguilleur_t"]]
    assert list(assignable_counsellors(w["aiguilleur_u"], w["pa"])) == [w["aiguilleur_u"]]
    for user, parcours in [(w["aiguilleur_t"], w["pb"]), (w["prescripteur_p"], w["pa"])]:
        assert not assignable_counsellors(user, parcours).exists()
    for user in losers(w, "aiguilleur_t"):
        assert not assignable_counsellors(user, w["pa"]).exists()


# Joint meetings


def test_who_may_book_a_joint_meeting_and_in_whose_name(w):
    assert list(rencontre_organisations(w["aiguilleur_t"], w["shared"])) == [w["p"], w["q"]]
    assert list(rencontre_organisations(w["prescripteur_p"], w["shared"])) == [w["p"]]
    assert not rencontre_organisations(w["prescripteur_p"], w["qa"]).exists()
    assert not rencontre_organisations(w["aiguilleur_b"], w["shared"]).exists()
    assert may_act_on_rencontre(w["aiguilleur_t"], w["qa"], w["q"])
    assert may_act_on_rencontre(w["prescripteur_p"], w["shared"], w["p"])
    refused = [
        (w["prescripteur_p"], w["shared"], w["q"]),  # another organisation's meeting
        (w["prescripteur_p"], w["qa"], w["p"]),  # a journey P did not signal
        (w["aiguilleur_b"], w["qa"], w["q"]),  # another territory
        *[(user, w["pa"], w["p"]) for user in losers(w, "prescripteur_p")],
    ]
    for user, parcours, organisation in refused:
        assert not may_act_on_rencontre(user, parcours, organisation)


# What hangs on a journey


def _orientation(parcours, structure_org=None, key="a"):
    found = service(key, structure_fields={"id": f"test--s{key}", "nom": f"Structure {key}"}, structure=f"s{key}")
    if structure_org is not None:
        found.structure.organisation = structure_org
        found.structure.save()
    return orientation_transitions.start(parcours=parcours, service=found, actor_kind=ActorKind.CONSEILLER)


def test_referrals_for_a_receiving_structure_and_for_the_territorys_counsellors(w):
    to_s = _orientation(w["pa"], w["structure_org"], key="a")
    other_structure = member(Role.STRUCTURE, territory=w["a"])
    to_other = _orientation(w["pb"], other_structure.memberships.get().organisation, key="b")
    assert list(orientations_for_structure(w["structure"])) == [to_s]
    assert list(orientations_for_structure(other_structure)) == [to_other]
    assert list(orientations_for_aiguilleur(w["aiguilleur_t"])) == [to_s]
    assert list(orientations_for_aiguilleur(w["aiguilleur_b"])) == [to_other]
    for user in [w["aiguilleur_t"], w["prescripteur_p"], *losers(w, "structure")]:
        assert not orientations_for_structure(user).exists()
    for user in [w["structure"], w["prescripteur_p"], *losers(w, "aiguilleur_t")]:
        assert not orientations_for_aiguilleur(user).exists()


def test_diagnostics_and_messages_for_the_territorys_counsellors(w):
    questionnaire = Questionnaire.objects.first()
    diagnostics = {key: Diagnostic.objects.create(parcours=w[key], questionnaire=questionnaire) for key in ("pa", "pb")}
    messages = {
        key: Message.objects.create(
            parcours=w[key],
            jeune=w[key].jeune,
            canal=CanalMessage.SMS,
            gabarit="premier_contact",
            destinataire="+33612345678",
            corps="Bonjour",
            prevu_le=timezone.now(),
        )
        for key in ("pa", "pb")
    }
    assert list(diagnostics_for_aiguilleur(w["aiguilleur_t"])) == [diagnostics["pa"]]
    assert list(diagnostics_for_aiguilleur(w["aiguilleur_b"])) == [diagnostics["pb"]]
    assert list(messages_for_aiguilleur(w["aiguilleur_t"])) == [messages["pa"]]
    assert list(messages_for_aiguilleur(w["aiguilleur_b"])) == [messages["pb"]]
    # Prescribers never read diagnostic content nor the messages sent to the young person.
    for user in [w["prescripteur_p"], w["structure"], *losers(w, "aiguilleur_t")]:
        assert not diagnostics_for_aiguilleur(user).exists()
        assert not messages_for_aiguilleur(user).exists()


def test_slots_and_appointments_of_the_users_teams(w):
    debut = timezone.now() + datetime.timedelta(days=7)

    def slot(team, conseiller, hours):
        start = debut + datetime.timedelta(hours=hours)
        return Creneau.objects.create(
            conseiller=conseiller,
            organisation=team,
            debut=start,
            fin=start + datetime.timedelta(minutes=45),
            modalite=Modalite.TELEPHONE,
            lieu="Vous serez appelé·e",
        )

    slot_t, slot_u = slot(w["team_t"], w["aiguilleur_t"], 0), slot(w["team_u"], w["aiguilleur_u"], 1)
    slot_t2 = slot(w["team_t"], w["collegue_t"], 2)
    rdv_t = RendezVous.objects.create(creneau=slot_t, parcours=w["pa"], pris_par=PrisPar.CONSEILLER)
    RendezVous.objects.create(creneau=slot_u, parcours=w["qa"], pris_par=PrisPar.CONSEILLER)
    # On team T's slot, but for a journey of another territory: not T's to see.
    RendezVous.objects.create(creneau=slot_t2, parcours=w["pb"], pris_par=PrisPar.CONSEILLER)
    assert set(creneaux_for_aiguilleur(w["aiguilleur_t"])) == {slot_t, slot_t2}
    assert set(creneaux_for_aiguilleur(w["aiguilleur_u"])) == {slot_u}
    assert list(rendez_vous_for_aiguilleur(w["collegue_t"])) == [rdv_t]
    for user in [w["prescripteur_p"], w["aiguilleur_b"], *losers(w, "aiguilleur_t")]:
        assert not rendez_vous_for_aiguilleur(user).exists()
    for user in [w["prescripteur_p"], w["aiguilleur_b"], *losers(w, "aiguilleur_u")]:
        assert slot_u not in creneaux_for_aiguilleur(user)
