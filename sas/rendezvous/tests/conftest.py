import datetime

import pytest
from django.utils import timezone

from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours.factories import ParcoursFactory

from ..models import Modalite
from ..services import publier_creneaux


def lundi(semaines=1, heure=10, minute=0):
    """A Monday at least a week from now, at a local time: a clock the tests control, always in the future."""
    today = timezone.localdate()
    day = today + datetime.timedelta(days=7 - today.weekday() + 7 * (semaines - 1))
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(heure, minute)))


@pytest.fixture
def territory():
    return TerritoryFactory()


@pytest.fixture
def equipe(territory):
    return OrganisationFactory(territory=territory, kind=OrganisationKind.EQUIPE_SAS, nom="Équipe SAS")


@pytest.fixture
def conseiller(equipe):
    return member(Role.AIGUILLEUR, equipe)


@pytest.fixture
def parcours(territory):
    return ParcoursFactory(territory=territory, jeune__telephone="+33612345678", jeune__email="")


def publier(conseiller, organisation, debut, nombre=1, duree=45, modalite=Modalite.PRESENTIEL, at=None):
    local = timezone.localtime(debut)
    return publier_creneaux(
        conseiller,
        organisation,
        date=local.date(),
        heure=local.time(),
        duree=duree,
        nombre=nombre,
        modalite=modalite,
        lieu="12 rue de la République, Lyon" if modalite == Modalite.PRESENTIEL else "",
        at=at or debut - datetime.timedelta(days=3),
    )


@pytest.fixture
def creneau(conseiller, equipe):
    """Tuesday 14:00, published the Monday before."""
    return publier(conseiller, equipe, lundi(heure=14) + datetime.timedelta(days=1))[0]
