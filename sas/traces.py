"""Bearer tokens and secrets never reach a log line: the young person's and the structures' links carry their token in
the path, and a secret may still be tried in a query string. One pattern masks them for Django's loggers and for
gunicorn's access log (gunicorn.conf.py)."""

import logging
import re

from gunicorn.glogging import Logger

MASQUE = "[masqué]"
# /j/<token>/…, /orientation/j/<token>/…, /diagnostic/j/<token>/…, /orientation/s/<token>/…
_CHEMIN_A_JETON = re.compile(r"(/(?:(?:orientation|diagnostic)/)?j/|/orientation/s/)([^/?#\s\"']+)")
_PARAMETRE_SECRET = re.compile(r"((?:secret|token|jeton|code|key|signature|password)=)[^&\s\"']*", re.IGNORECASE)
# Pages a token opens: never cached, never indexed, never sent as a referrer.
PAGE_A_JETON = re.compile(r"^/(?:(?:orientation|diagnostic)/)?j/|^/orientation/s/")
_ENTETES_SECRETES = {"{authorization}i", "{x-webhook-secret}i", "{x-webhook-signature}i", "{cookie}i"}


def masquer(texte):
    texte = _CHEMIN_A_JETON.sub(lambda m: m.group(1) + MASQUE if m.group(2) else m.group(0), texte)
    return _PARAMETRE_SECRET.sub(lambda m: m.group(1) + MASQUE, texte)


class MasquerSecrets(logging.Filter):
    """Rewrites the record's message with tokens and secrets masked (the arguments are merged in first: Django
    passes the path as one)."""

    def filter(self, record):
        message = record.getMessage()
        masque = masquer(message)
        if masque != message:
            record.msg, record.args = masque, None
        # django.server puts the request line in its extra `request`; a formatter may print it.
        if isinstance(getattr(record, "request", None), str):
            record.request = masquer(record.request)
        return True


class JournalGunicorn(Logger):
    """Gunicorn's access log with every atom masked: request line, path, query string, referrer, headers."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for cle, valeur in atoms.items():
            if cle in _ENTETES_SECRETES:
                atoms[cle] = MASQUE
            elif isinstance(valeur, str):
                atoms[cle] = masquer(valeur)
        return atoms
