import datetime
import json
import urllib.request

import pytest
from django.utils import timezone

from sas.communes.factories import CommuneFactory
from sas.diagnostic import services as diagnostic_services
from sas.droits.service_local import openfisca_local
from sas.parcours.factories import ParcoursFactory

MOIS = datetime.datetime(2026, 12, 10, 12, tzinfo=datetime.UTC)


@pytest.fixture(scope="session")
def openfisca_url():
    """The real OpenFisca web API, started once for the session."""
    with openfisca_local() as url:
        yield url


@pytest.fixture
def openfisca(openfisca_url, settings):
    settings.SAS_OPENFISCA_URL = openfisca_url
    settings.SAS_OPENFISCA_TIMEOUT = 120  # the first calculations of a cold service are slow
    return openfisca_url


def parametre(url, chemin, at=MOIS):
    """The value of an OpenFisca-France parameter at `at`, read from the service itself."""
    with urllib.request.urlopen(f"{url}/parameter/{chemin}", timeout=30) as response:  # noqa: S310
        values = json.load(response)["values"]
    return values[max(d for d in values if d <= at.date().isoformat())]


@pytest.fixture
def diagnostic_de(territory, aiguilleur):
    """A diagnostic of a young person born `age` years before the screened month, living in Lyon."""

    def make(age, **reponses):
        lyon = CommuneFactory(code_insee="69123", nom="Lyon")
        naissance = datetime.date(MOIS.year - age, 3, 1)
        parcours = ParcoursFactory(territory=territory, jeune__date_naissance=naissance, jeune__commune=lyon)
        diagnostic = diagnostic_services.demarrer(parcours, conseiller=aiguilleur)
        diagnostic.reponses.update(reponses)
        diagnostic.save()
        return diagnostic

    return make


@pytest.fixture
def maintenant():
    return timezone.localtime(MOIS)
