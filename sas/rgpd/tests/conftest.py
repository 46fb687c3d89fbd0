import pytest

from sas.espace_jeune.models import LienJeune
from sas.parcours import transitions
from sas.parcours.factories import ParcoursFactory, SignalementFactory
from sas.parcours.status import Status


@pytest.fixture(autouse=True)
def _rate_limits(empty_cache):
    pass


@pytest.fixture
def parcours(territory, ase, aiguilleur):
    parcours = ParcoursFactory(
        territory=territory, jeune__prenom="Inès", jeune__nom="Benali", jeune__telephone="+33612345678"
    )
    SignalementFactory(parcours=parcours, organisation=ase, motif="Fin de prise en charge ASE à la majorité")
    transitions.transition(parcours, Status.A_CONTACTER)
    return parcours


@pytest.fixture
def lien(parcours):
    return LienJeune.creer(parcours)
