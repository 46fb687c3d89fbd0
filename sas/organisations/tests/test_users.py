import pytest

from sas.organisations.factories import MembershipFactory, OrganisationFactory, member
from sas.organisations.models import Role, Territory, User
from sas.permissions import organisations_for_role

pytestmark = pytest.mark.django_db


def test_users_log_in_by_lower_cased_email():
    user = User.objects.create_user("Camille.Martin@Example.ORG", "un-mot-de-passe-long")
    assert user.email == "camille.martin@example.org"
    assert user.check_password("un-mot-de-passe-long")
    with pytest.raises(ValueError):
        User.objects.create_user("", "x")


def test_roles_come_from_active_memberships_and_pick_the_home_role():
    user = member(Role.PILOTE)
    MembershipFactory(user=user, role=Role.AIGUILLEUR)
    MembershipFactory(user=user, role=Role.PRESCRIPTEUR, is_active=False)
    user = User.objects.get(pk=user.pk)
    assert user.roles == {Role.PILOTE, Role.AIGUILLEUR}
    assert user.main_role == Role.AIGUILLEUR
    assert organisations_for_role(user, Role.PRESCRIPTEUR) == []


def test_territory_for_a_commune():
    organisation = OrganisationFactory()
    commune = organisation.territory.communes.get()
    assert Territory.for_commune(commune) == organisation.territory
