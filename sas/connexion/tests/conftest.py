import copy

import pytest

from .fournisseur import CLIENT_ID, CLIENT_SECRET, fournisseur_proconnect


@pytest.fixture
def proconnect(settings, monkeypatch):
    """A local OpenID provider shaped like ProConnect, and SAS configured for it (as the environment would)."""
    with fournisseur_proconnect(monkeypatch) as fournisseur:
        settings.PROCONNECT_BASE_URL = fournisseur.base_url
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        politique = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        politique["DIRECTIVES"]["form-action"].append(fournisseur.base_url)
        settings.CONTENT_SECURITY_POLICY = politique
        yield fournisseur
