import datetime

import pytest
from django.utils import timezone

from sas.espace_jeune.models import LienJeune
from sas.organisations.factories import OrganisationFactory
from sas.organisations.models import OrganisationKind
from sas.parcours.factories import ParcoursFactory, SignalementFactory
from sas.rendezvous.models import Creneau, Modalite


@pytest.fixture(autouse=True)
def _rate_limits(empty_cache):
    pass


@pytest.fixture
def pilote(territory):
    return OrganisationFactory(nom="Métropole de Lyon — pilotage", kind=OrganisationKind.PILOTAGE, territory=territory)


@pytest.fixture
def parcours(territory, equipe, pilote, ase):
    parcours = ParcoursFactory(territory=territory, jeune__prenom="Inès", jeune__telephone="+33612345678")
    SignalementFactory(parcours=parcours, organisation=ase, motif="Fin de prise en charge ASE à la majorité")
    return parcours


@pytest.fixture
def lien(parcours):
    return LienJeune.creer(parcours)


@pytest.fixture
def creneaux(aiguilleur, equipe):
    """Three free slots in the coming days: in person, by phone, by video."""
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + datetime.timedelta(days=3)
    kinds = [
        (Modalite.PRESENTIEL, "12 rue de la République, Lyon"),
        (Modalite.TELEPHONE, "Vous serez appelé·e au numéro que vous nous avez donné."),
        (Modalite.VISIO, "https://visio.example.org/sas"),
    ]
    return [
        Creneau.objects.create(
            conseiller=aiguilleur,
            organisation=equipe,
            debut=start + datetime.timedelta(hours=i),
            fin=start + datetime.timedelta(hours=i, minutes=30),
            modalite=modalite,
            lieu=lieu,
        )
        for i, (modalite, lieu) in enumerate(kinds)
    ]
