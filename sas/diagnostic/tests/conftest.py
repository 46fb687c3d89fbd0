import pytest

from sas.organisations.factories import OrganisationFactory
from sas.organisations.models import OrganisationKind
from sas.parcours import transitions
from sas.parcours.factories import ParcoursFactory, SignalementFactory
from sas.parcours.status import Status


def contacte(parcours, at=None):
    """Bring a journey to "contacté" as the state machine allows."""
    for status in (Status.A_CONTACTER, Status.CONTACTE):
        transitions.transition(parcours, status, at=at)
    return parcours


@pytest.fixture
def parcours(territory):
    parcours = ParcoursFactory(territory=territory, jeune__prenom="Inès", jeune__canal_prefere="sms")
    SignalementFactory(
        parcours=parcours,
        organisation=OrganisationFactory(territory=territory, kind=OrganisationKind.ASE, nom="ASE du Rhône"),
        motif="Fin de prise en charge ASE à la majorité",
        deja_essaye="Deux inscriptions en mission locale",
        freins_connus="Pas de logement stable",
        moment_prefere="Le matin",
        langues="Arabe, anglais",
    )
    return contacte(parcours)
