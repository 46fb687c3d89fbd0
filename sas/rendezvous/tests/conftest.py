import datetime

import pytest
from django.utils import timezone

from sas.parcours.factories import ParcoursFactory

from ..models import Modalite
from ..services import publier_creneaux


def lundi(semaines=1, heure=10, minute=0):
    """A Monday at least a week from now, at a local time: a clock the tests control, always in the future."""
    today = timezone.localdate()
    day = today + datetime.timedelta(days=7 - today.weekday() + 7 * (semaines - 1))
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(heure, minute)))


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
def creneau(aiguilleur, equipe):
    """Tuesday 14:00, published the Monday before."""
    return publier(aiguilleur, equipe, lundi(heure=14) + datetime.timedelta(days=1))[0]
