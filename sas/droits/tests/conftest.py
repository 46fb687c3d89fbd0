import datetime
import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from sas.communes.factories import CommuneFactory
from sas.diagnostic import services as diagnostic_services
from sas.parcours.factories import ParcoursFactory

# The OpenFisca-France web API's own environment (`make openfisca`).
OPENFISCA = (
    Path(os.environ.get("SAS_OPENFISCA_VENV", Path(settings.BASE_DIR) / ".venv-openfisca")) / "bin" / "openfisca"
)
MOIS = datetime.datetime(2026, 12, 10, 12, tzinfo=datetime.UTC)


def _port_libre():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def openfisca_url():
    """The real OpenFisca web API, started once for the session."""
    assert OPENFISCA.exists(), f"{OPENFISCA} manquant : lancez `make openfisca`"
    port = _port_libre()
    process = subprocess.Popen(
        [str(OPENFISCA), "serve", "-c", "openfisca_france", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):  # a loaded machine takes minutes to load OpenFisca-France
            try:
                urllib.request.urlopen(url + "/spec", timeout=2).close()  # noqa: S310 (http on loopback)
                break
            except OSError:
                assert process.poll() is None, "OpenFisca s'est arrêté au démarrage"
                time.sleep(0.5)
        else:
            raise AssertionError("OpenFisca n'a pas démarré en 10 minutes")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


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
