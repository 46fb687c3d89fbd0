import datetime

import pytest
from django.utils import timezone

from sas.organisations.factories import member
from sas.organisations.models import Role
from sas.parcours.factories import SignalementFactory


def paris(year, month, day, hour=0, minute=0):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


@pytest.fixture
def collegue(equipe):
    return member(Role.AIGUILLEUR, equipe)


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
