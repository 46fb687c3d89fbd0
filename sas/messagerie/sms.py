"""Sending SMS: the providers behind one small interface.

`fournisseur_sms()` picks the SMS provider from settings.SAS_SMS_PROVIDER: "outbox" keeps the message in the
database (it shows on the "Messages envoyés" page, link masked; demo and tests) and "http" posts it to an API
shaped like Brevo's transactional SMS. Each gets the text as it leaves (with the young person's link) and raises
ErreurTemporaire (retry later) or ErreurDefinitive (give up; with canal_invalide when the number itself is
wrong)."""

import json
import urllib.error
import urllib.request

from django.conf import settings

from .erreurs import ErreurDefinitive, ErreurTemporaire


class Outbox:
    """Nothing leaves the server: the message stays in the database, marked sent."""

    def envoyer(self, message, texte):
        return f"outbox-{message.tag}"


def numero_international(numero):
    """Brevo's recipient format: the E.164 number without its "+"."""
    return numero.removeprefix("+")


class FournisseurHttp:
    """POST {"sender","recipient","content","type","tag"} with an `api-key` header, as Brevo's transactional SMS.

    The tag is the message's idempotency key: a second request with the same tag (a resend after a worker died
    between the provider's answer and our database) must be dropped by the provider and answered as the first."""

    # The provider's answer that says the number itself is wrong (words looked for in a 400's body).
    _NUMERO_INVALIDE = ("recipient", "number", "numero", "numéro", "phone", "mobile", "msisdn")

    def __init__(self, url=None, api_key=None, sender=None, timeout=None):
        self.url = url or settings.SAS_SMS_API_URL
        self.api_key = api_key if api_key is not None else settings.SAS_SMS_API_KEY
        self.sender = sender or settings.SAS_SMS_SENDER
        self.timeout = timeout or settings.SAS_SMS_TIMEOUT
        if not self.url.startswith(("https://", "http://")):
            raise ValueError(f"SAS_SMS_API_URL doit être une adresse http(s) : {self.url!r}.")

    def envoyer(self, message, texte):
        corps = {
            "sender": self.sender,
            "recipient": numero_international(message.destinataire),
            "content": texte,
            "type": "transactional",
            "tag": message.tag,
        }
        requete = urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
            self.url,
            data=json.dumps(corps).encode(),
            method="POST",
            headers={"api-key": self.api_key, "content-type": "application/json", "accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(requete, timeout=self.timeout) as reponse:  # noqa: S310 (scheme checked in __init__)
                contenu = _json(reponse.read())
        except urllib.error.HTTPError as error:
            raise self._erreur(error.code, error.read().decode(errors="replace")) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise ErreurTemporaire(f"Prestataire SMS injoignable : {error}") from None
        return str(contenu.get("messageId") or contenu.get("reference") or "")

    def _erreur(self, code, texte):
        if code == 400:
            invalide = any(mot in texte.lower() for mot in self._NUMERO_INVALIDE)
            return ErreurDefinitive(f"Refusé par le prestataire SMS ({code}) : {texte[:300]}", canal_invalide=invalide)
        if code in (404, 410, 422):
            return ErreurDefinitive(f"Refusé par le prestataire SMS ({code}) : {texte[:300]}")
        # 5xx, 429, and 401/402/403 too: a provider outage, a missing credit or a wrong key is ours to fix, not
        # the young person's, so the message waits and is retried.
        return ErreurTemporaire(f"Erreur du prestataire SMS ({code}) : {texte[:300]}")


def _json(octets):
    try:
        contenu = json.loads(octets or b"{}")
    except ValueError:
        return {}
    return contenu if isinstance(contenu, dict) else {}


FOURNISSEURS = {"outbox": Outbox, "http": FournisseurHttp}


def fournisseur_sms():
    try:
        return FOURNISSEURS[settings.SAS_SMS_PROVIDER]()
    except KeyError:
        raise ValueError(f"SAS_SMS_PROVIDER inconnu : {settings.SAS_SMS_PROVIDER!r} (outbox ou http).") from None
