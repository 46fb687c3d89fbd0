import datetime

import pytest
from django.utils import timezone

from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours.factories import SignalementFactory


def paris(year, month, day, hour=0, minute=0):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


@pytest.fixture
def territory():
    return TerritoryFactory(nom="Rhône")


@pytest.fixture
def equipe_sas(territory):
    return OrganisationFactory(territory=territory, kind=OrganisationKind.EQUIPE_SAS, nom="Équipe SAS du Rhône")


@pytest.fixture
def aiguilleur(equipe_sas):
    user = member(Role.AIGUILLEUR, equipe_sas)
    user.first_name = "Camille"
    user.save()
    return user


@pytest.fixture
def collegue(equipe_sas):
    return member(Role.AIGUILLEUR, equipe_sas)


@pytest.fixture
def ase(territory):
    return OrganisationFactory(territory=territory, kind=OrganisationKind.ASE, nom="ASE du Rhône")


@pytest.fixture
def make_parcours(territory, ase):
    def make(prenom="Inès", at=None, telephone="+33612345678", **jeune):
        signalement = SignalementFactory(
            organisation=ase,
            parcours__territory=territory,
            parcours__at=at,
            parcours__jeune__prenom=prenom,
            parcours__jeune__telephone=telephone,
            **{f"parcours__jeune__{key}": value for key, value in jeune.items()},
        )
        return signalement.parcours

    return make
