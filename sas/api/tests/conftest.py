import pytest

from sas.api.models import ApiToken
from sas.communes.factories import CommuneFactory
from sas.organisations.factories import OrganisationFactory, TerritoryFactory
from sas.organisations.models import OrganisationKind

from .utils import URL, auth


@pytest.fixture
def commune():
    return CommuneFactory(code_insee="69123", nom="Lyon")


@pytest.fixture
def organisation(commune):
    return OrganisationFactory(territory=TerritoryFactory(communes=[commune]), kind=OrganisationKind.ASE, nom="ASE 69")


@pytest.fixture
def token(organisation):
    """The clear value of an active token of `organisation`."""
    return ApiToken.issue(organisation, "Logiciel ASE")[1]


@pytest.fixture
def api(client, token):
    """The Django test client speaking JSON with the organisation's token."""

    class Api:
        def post(self, body, token=token, headers=None):
            return client.post(URL, body, content_type="application/json", headers=auth(token) | (headers or {}))

        def get(self, url, token=token):
            return client.get(url, headers=auth(token))

    return Api()
