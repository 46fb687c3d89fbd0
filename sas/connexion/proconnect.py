"""ProConnect, the State's login for professionals, through mozilla-django-oidc (as DORA does).

What the library leaves to us, and ProConnect asks for: the ID token's audience and issuer (the library checks
neither), the userinfo answer as a JWT signed with the provider's JWKS (an unsigned answer is refused), and the
professional matched by e-mail *and* by the SIRET of an organisation they belong to. Nobody is created here: an
unknown professional leaves with their verified identity in the session, for the join request (demandes.py)."""

import logging
import re

import jwt
import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.http import urlencode
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from sas.organisations.models import User

logger = logging.getLogger(__name__)

# ProConnect's endpoints, below its API root (PROCONNECT_BASE_URL).
CHEMINS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "/token",
    "OIDC_OP_USER_ENDPOINT": "/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "/jwks",
    "OIDC_OP_LOGOUT_ENDPOINT": "/session/end",
}
SESSION_IDENTITE = "proconnect_identite"
SESSION_DECONNEXION = "proconnect_deconnexion"
# The clocks of two servers may differ by a few seconds.
MARGE_SECONDES = 30
SIRET = re.compile(r"\d{14}")


def est_configure():
    return bool(settings.PROCONNECT_BASE_URL and settings.OIDC_RP_CLIENT_ID and settings.OIDC_RP_CLIENT_SECRET)


def reglage(nom, *defaut):
    """mozilla-django-oidc's settings, the endpoints worked out from ProConnect's root."""
    if nom in CHEMINS:
        return settings.PROCONNECT_BASE_URL + CHEMINS[nom]
    return import_from_settings(nom, *defaut)


class ConnexionRefusee(Exception):
    """ProConnect identified someone SAS must not let in as they are; `message` tells them why, in French."""

    def __init__(self, message, raison):
        super().__init__(raison)
        self.message = message


class DemandeAFaire(Exception):
    """ProConnect vouched for a professional SAS does not know (yet) for this organisation."""


def identite(claims):
    """The identity SAS keeps from ProConnect's claims, or ConnexionRefusee when one it needs is missing."""
    email = (claims.get("email") or "").strip().lower()
    if not email:
        raise ConnexionRefusee(
            "ProConnect n'a pas transmis votre adresse électronique professionnelle : SAS ne peut pas vous "
            "reconnaître. Vérifiez votre compte auprès de votre fournisseur d'identité.",
            "email absent",
        )
    siret = re.sub(r"\s", "", str(claims.get("siret") or ""))
    if not SIRET.fullmatch(siret):
        raise ConnexionRefusee(
            "ProConnect n'a pas transmis le numéro SIRET de votre organisation : SAS ne peut pas savoir pour quelle "
            "organisation vous vous connectez. Vérifiez votre compte auprès de votre fournisseur d'identité, ou "
            "connectez-vous avec votre adresse et votre mot de passe SAS.",
            "siret absent",
        )
    return {
        "email": email,
        "prenom": str(claims.get("given_name") or "")[:150],
        "nom": str(claims.get("usual_name") or "")[:150],
        "siret": siret,
        "sub": str(claims["sub"]),
        "uid": str(claims.get("uid") or ""),
        "idp_id": str(claims.get("idp_id") or ""),
    }


def utilisateur_reconnu(ident):
    """The active account with this e-mail that is an active member of an organisation with this SIRET."""
    return (
        User.objects.filter(
            email__iexact=ident["email"],
            is_active=True,
            memberships__is_active=True,
            memberships__organisation__siret=ident["siret"],
        )
        .distinct()
        .first()
    )


class ProConnectBackend(OIDCAuthenticationBackend):
    get_settings = staticmethod(reglage)

    def authenticate(self, request, **kwargs):
        # Only ProConnect's callback passes a nonce: a password login never reaches the provider.
        if "nonce" not in kwargs or not est_configure():
            return None
        return super().authenticate(request, **kwargs)

    def _decoder(self, jeton, key, *, exiger):
        header = jwt.get_unverified_header(jeton)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"JWT signé en {header.get('alg')!r}, {self.OIDC_RP_SIGN_ALGO} attendu")
        try:
            return jwt.decode(
                jeton,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.PROCONNECT_BASE_URL,
                leeway=MARGE_SECONDES,
                options={"require": exiger},
            )
        except jwt.InvalidTokenError as erreur:
            raise SuspiciousOperation(f"JWT refusé : {erreur}") from erreur

    def retrieve_matching_jwk(self, token):
        """The provider's key named by the token's kid; a token without one is accepted only while the provider
        publishes a single key (the library would fail on it)."""
        reponse = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=self.get_settings("OIDC_TIMEOUT", None))
        reponse.raise_for_status()
        cles = [
            cle
            for cle in reponse.json().get("keys", [])
            if cle.get("alg", self.OIDC_RP_SIGN_ALGO) == self.OIDC_RP_SIGN_ALGO and cle.get("use", "sig") == "sig"
        ]
        kid = jwt.get_unverified_header(token).get("kid")
        choisies = [cle for cle in cles if cle.get("kid") == kid] if kid else cles
        if len(choisies) != 1:
            raise SuspiciousOperation("aucune clé du JWKS ne correspond au jeton")
        return jwt.PyJWK(choisies[0])

    def _verify_jws(self, payload, key):
        # The ID token: signed by the provider's key, for us, from ProConnect, still valid.
        return self._decoder(payload, key, exiger=["exp", "iat", "aud", "iss", "sub"])

    def get_userinfo(self, access_token, id_token, payload):
        reponse = requests.get(
            self.OIDC_OP_USER_ENDPOINT,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=self.get_settings("OIDC_TIMEOUT", None),
        )
        reponse.raise_for_status()
        if not reponse.headers.get("content-type", "").lower().startswith("application/jwt"):
            raise SuspiciousOperation("userinfo non signé : ProConnect le renvoie en JWT")
        jeton = reponse.text.strip()
        claims = self._decoder(jeton, self.retrieve_matching_jwk(jeton), exiger=["sub"])
        # OpenID Connect Core 5.3.2: the userinfo's subject must be the ID token's.
        if claims["sub"] != payload.get("sub"):
            raise SuspiciousOperation("userinfo d'un autre sujet que l'ID token")
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        ident = identite(self.get_userinfo(access_token, id_token, payload))
        user = utilisateur_reconnu(ident)
        if user is None:
            self.request.session[SESSION_IDENTITE] = ident
            raise DemandeAFaire
        self.request.session.pop(SESSION_IDENTITE, None)
        return user


def adresse_deconnexion(request, id_token):
    """The provider's session/end address that ends the ProConnect session too, then comes back to SAS; the state
    noted in the (new, anonymous) session lets the page it comes back to tell the two apart."""
    state = get_random_string(settings.OIDC_STATE_SIZE)
    request.session[SESSION_DECONNEXION] = state
    parametres = {
        "id_token_hint": id_token,
        "state": state,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("connexion:proconnect_deconnecte")),
    }
    return f"{reglage('OIDC_OP_LOGOUT_ENDPOINT')}?{urlencode(parametres)}"
