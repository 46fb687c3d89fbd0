"""The OpenFisca web API, run as its own service (its own environment: see openfisca/requirements.txt)."""

import json
import urllib.error
import urllib.request

from django.conf import settings

INDIVIDUS = "individus"


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


def _roles(valeurs, renommer):
    """A group's values with the persons of its roles renamed (roles are a group's only lists)."""
    return {k: [renommer(i) for i in v] if isinstance(v, list) else v for k, v in valeurs.items()}


def _prefixer(situation, prefixe):
    """The situation with every entity id prefixed, roles included."""
    return {
        entite: {
            prefixe + cle: valeurs if entite == INDIVIDUS else _roles(valeurs, lambda i: prefixe + i)
            for cle, valeurs in membres.items()
        }
        for entite, membres in situation.items()
    }


def calculer_lot(situations, *, timeout=None):
    """Many situations in one /calculate request, OpenFisca vectorising over all their persons: ([answer of each
    situation, shaped as `calculer` would give it], OpenFisca-France version)."""
    prefixes = [f"s{rang}_" for rang in range(len(situations))]
    lot = {}
    for situation, prefixe in zip(situations, prefixes, strict=True):
        for entite, membres in _prefixer(situation, prefixe).items():
            lot.setdefault(entite, {}).update(membres)
    reponse, version = calculer(lot, timeout=timeout)
    reponses = []
    for situation, prefixe in zip(situations, prefixes, strict=True):
        try:
            reponses.append(
                {
                    entite: {
                        cle: (
                            reponse[entite][prefixe + cle]
                            if entite == INDIVIDUS
                            else _roles(reponse[entite][prefixe + cle], lambda i, p=prefixe: i.removeprefix(p))
                        )
                        for cle in membres
                    }
                    for entite, membres in situation.items()
                }
            )
        except (KeyError, TypeError) as error:
            raise Indisponible(f"Réponse incomplète du simulateur : {error}") from error
    return reponses, version
