import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from sas.espace_jeune.models import LienJeune
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours.factories import ParcoursFactory, SignalementFactory
from sas.rendezvous.models import Creneau, Modalite


@pytest.fixture(autouse=True)
def empty_cache():
    # The rate limit lives in the cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def territory():
    return TerritoryFactory(nom="Métropole de Lyon")


@pytest.fixture
def equipe(territory):
    return OrganisationFactory(nom="Équipe SAS Lyon", kind=OrganisationKind.EQUIPE_SAS, territory=territory)


@pytest.fixture
def pilote(territory):
    return OrganisationFactory(nom="Métropole de Lyon — pilotage", kind=OrganisationKind.PILOTAGE, territory=territory)


@pytest.fixture
def ase(territory):
    return OrganisationFactory(nom="ASE du Rhône", kind=OrganisationKind.ASE, territory=territory)


@pytest.fixture
def parcours(territory, equipe, pilote, ase):
    parcours = ParcoursFactory(territory=territory, jeune__prenom="Inès", jeune__telephone="+33612345678")
    SignalementFactory(parcours=parcours, organisation=ase, motif="Fin de prise en charge ASE à la majorité")
    return parcours


@pytest.fixture
def lien(parcours):
    return LienJeune.creer(parcours)


@pytest.fixture
def conseiller(equipe):
    return member(Role.AIGUILLEUR, organisation=equipe)


@pytest.fixture
def creneaux(conseiller, equipe):
    """Three free slots in the coming days: in person, by phone, by video."""
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + datetime.timedelta(days=3)
    kinds = [
        (Modalite.PRESENTIEL, "12 rue de la République, Lyon"),
        (Modalite.TELEPHONE, "Vous serez appelé·e au numéro que vous nous avez donné."),
        (Modalite.VISIO, "https://visio.example.org/sas"),
    ]
    return [
        Creneau.objects.create(
            conseiller=conseiller,
            organisation=equipe,
            debut=start + datetime.timedelta(hours=i),
            fin=start + datetime.timedelta(hours=i, minutes=30),
            modalite=modalite,
            lieu=lieu,
        )
        for i, (modalite, lieu) in enumerate(kinds)
    ]
