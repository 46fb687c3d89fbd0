"""The OpenFisca web API, run as its own service (its own environment: see openfisca/requirements.txt)."""

import json
import urllib.error
import urllib.request

from django.conf import settings


class Indisponible(Exception):
    """The service did not answer in time, or not with a calculation."""


def calculer(situation, *, timeout=None):
    """POST the situation to /calculate: (answer, OpenFisca-France version)."""
    url = settings.SAS_OPENFISCA_URL.rstrip("/") + "/calculate"
    if not url.startswith(("http://", "https://")):
        raise Indisponible(f"Adresse du simulateur invalide : {url}")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=json.dumps(situation).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout or settings.SAS_OPENFISCA_TIMEOUT) as response:  # noqa: S310
            return json.load(response), response.headers.get("Country-Package-Version", "")
    except (OSError, ValueError) as error:  # URLError and timeouts are OSErrors; a bad body a ValueError
        raise Indisponible(str(error)) from error
