import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

# Playwright's sync API runs an event loop in the test thread; the ORM calls made there stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def count_queries(client):
    """Number of SQL queries a GET of `url` makes, for pinning list pages against N+1."""

    def count(url):
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert response.status_code == 200
        return len(context.captured_queries)

    return count


@pytest.fixture(scope="module")
def communes_reference(django_db_setup, django_db_blocker):
    """The real INSEE reference, loaded once for a test module and removed after it."""
    from sas.communes.models import Commune, Departement
    from sas.communes.services import import_communes

    with django_db_blocker.unblock():
        import_communes(wet_run=True)
        yield
        Commune.objects.all().delete()
        Departement.objects.all().delete()
