import factory

from sas.communes.factories import CommuneFactory

from .models import Membership, Organisation, OrganisationKind, Role, Territory, User


class TerritoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Territory
        skip_postgeneration_save = True

    nom = factory.Sequence(lambda n: f"Territoire {n}")

    @factory.post_generation
    def communes(self, create, extracted, **kwargs):
        if create:
            self.communes.add(*(extracted if extracted is not None else [CommuneFactory()]))


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    nom = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.MISSION_LOCALE
    territory = factory.SubFactory(TerritoryFactory)


# Every professional's first name: tests that check a young person is absent from a professional's page look for the
# young person's first name, which JeuneFactory never draws from this one.
PRENOM_PRO = "Camille"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"pro{n}@example.org")
    first_name = PRENOM_PRO
    last_name = factory.Sequence(lambda n: f"Pro{n}")
    password = factory.PostGenerationMethodCall("set_password", "motdepasse-de-test")

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.PRESCRIPTEUR


def member(role, organisation=None, **org_kwargs):
    """A user with one active membership of `role` (in a new organisation unless given)."""
    kinds = {
        Role.AIGUILLEUR: OrganisationKind.EQUIPE_SAS,
        Role.STRUCTURE: OrganisationKind.STRUCTURE_ACCUEIL,
        Role.PILOTE: OrganisationKind.PILOTAGE,
        Role.ADMIN: OrganisationKind.OPERATEUR,
    }
    organisation = organisation or OrganisationFactory(kind=kinds.get(role, OrganisationKind.ASE), **org_kwargs)
    is_admin = role == Role.ADMIN
    return MembershipFactory(
        organisation=organisation, role=role, user__is_staff=is_admin, user__is_superuser=is_admin
    ).user
