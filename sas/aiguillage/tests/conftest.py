import datetime

import pytest
from django.utils import timezone

from sas.organisations.factories import member
from sas.organisations.models import Role
from sas.parcours.factories import parcours_signale


def paris(year, month, day, hour=0, minute=0):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


@pytest.fixture
def collegue(equipe):
    return member(Role.AIGUILLEUR, equipe)


@pytest.fixture
def make_parcours(ase):
    def make(prenom="Inès", at=None, telephone="+33612345678", **jeune):
        return parcours_signale(ase, at=at, jeune={"prenom": prenom, "telephone": telephone, **jeune})

    return make
