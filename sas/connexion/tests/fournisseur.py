"""A real OpenID provider on loopback for the tests: oidc-provider-mock (authlib's server), taught what ProConnect
does differently — its endpoint paths, one scope per claim, the userinfo answer as a JWT signed with its key —
and, on demand, how a broken or hostile provider answers (`panne`): tokens re-signed with the provider's own key
with a wrong nonce, audience or expiry, or signed with another key; userinfo in plain JSON."""

import datetime
import logging
import threading
from contextlib import contextmanager

import flask
import jwt
import oidc_provider_mock
import werkzeug.serving
from cryptography.hazmat.primitives.asymmetric import rsa
from oidc_provider_mock import _app, _storage

# ProConnect's paths (below its API root) onto the provider's.
CHEMINS = {"/authorize": "/oauth2/authorize", "/token": "/oauth2/token", "/session/end": "/oauth2/end_session"}
SCOPES_PROCONNECT = ("given_name", "usual_name", "uid", "siret", "idp_id")
CLIENT_ID = "sas-tests"
CLIENT_SECRET = "secret-du-client-de-test"  # noqa: S105
PANNES_ID_TOKEN = {"nonce", "audience", "expire", "autre_cle"}
PANNES_USERINFO = {"userinfo_json", "userinfo_autre_sujet", "userinfo_autre_cle"}


class Fournisseur:
    def __init__(self, app):
        self.app = app
        self.panne = None
        self.base_url = ""
        self.clients = []

    def wsgi(self, environ, start_response):
        environ["PATH_INFO"] = CHEMINS.get(environ.get("PATH_INFO", ""), environ.get("PATH_INFO", ""))
        return self.app(environ, start_response)

    def utilisateur(self, sub, **claims):
        """Record who can log in (the provider's authorisation page asks for their `sub`)."""
        self.app.test_client().put(f"/users/{sub}", json=claims)

    def _cle(self):
        return flask.g.oidc_provider_mock_storage.jwk

    def _signer(self, claims, *, autre_cle=False):
        cle = self._cle()
        if autre_cle:
            prive = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            prive = cle.as_pem(is_private=True)
        return jwt.encode(claims, prive, algorithm="RS256", headers={"kid": cle.as_dict()["kid"]})

    def retoucher(self, response):
        """after_request: ProConnect's userinfo, and the faults asked for."""
        if response.status_code != 200:
            return response
        if flask.request.path == "/oauth2/token" and self.panne in PANNES_ID_TOKEN:
            corps = response.get_json()
            claims = jwt.decode(corps["id_token"], options={"verify_signature": False})
            maintenant = int(datetime.datetime.now(datetime.UTC).timestamp())
            if self.panne == "nonce":
                claims["nonce"] = "x" * 48
            elif self.panne == "audience":
                claims["aud"] = "un-autre-service"
            elif self.panne == "expire":
                claims["iat"], claims["exp"] = maintenant - 3600, maintenant - 600
            corps["id_token"] = self._signer(claims, autre_cle=self.panne == "autre_cle")
            response.set_data(flask.json.dumps(corps))
        elif flask.request.path == "/userinfo" and self.panne != "userinfo_json":
            claims = response.get_json()
            if self.panne == "userinfo_autre_sujet":
                claims["sub"] = "quelqu-un-d-autre"
            claims.update(iss=self.base_url, aud=CLIENT_ID)
            response.set_data(self._signer(claims, autre_cle=self.panne == "userinfo_autre_cle"))
            response.content_type = "application/jwt"
        return response


@contextmanager
def fournisseur_proconnect(monkeypatch):
    # ProConnect asks for each claim as its own scope; the provider grants only the scopes it knows.
    monkeypatch.setattr(_storage.Client, "SCOPES_SUPPORTED", (*_storage.Client.SCOPES_SUPPORTED, *SCOPES_PROCONNECT))
    monkeypatch.setitem(_app._SCOPES_TO_CLAIMS, "given_name", ["given_name"])
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = oidc_provider_mock.app(require_nonce=True)
    fournisseur = Fournisseur(app)
    app.after_request(fournisseur.retoucher)
    serveur = werkzeug.serving.make_server("localhost", 0, fournisseur.wsgi, threaded=True)
    fournisseur.base_url = f"http://localhost:{serveur.server_port}"
    fil = threading.Thread(target=serveur.serve_forever, args=(0.1,), daemon=True)
    fil.start()
    try:
        yield fournisseur
    finally:
        serveur.shutdown()
        serveur.server_close()
