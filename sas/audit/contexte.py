"""The request an audit entry is written in, so that every entry carries who asked from where without each caller
passing it: the middleware sets it for the request's duration; tasks and commands write entries without one."""

import contextvars
import hashlib
import hmac

from django.conf import settings

_requete = contextvars.ContextVar("sas_audit_requete", default=None)


def empreinte(valeur):
    """A keyed hash (the pepper is not in the database): the same address or session gives the same value, so
    entries can be linked together, but the table alone does not give the address back."""
    if not valeur:
        return ""
    return hmac.new(settings.SAS_AUDIT_PEPPER.encode(), str(valeur).encode(), hashlib.sha256).hexdigest()


def contexte_courant():
    """(signed-in user or None, address hash, session hash) of the request under way; empty outside a request."""
    request = _requete.get()
    if request is None:
        return None, "", ""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    return (
        user if user is not None and user.is_authenticated else None,
        empreinte(request.META.get("REMOTE_ADDR")),
        empreinte(session.session_key if session is not None else ""),
    )


class ContexteAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        jeton = _requete.set(request)
        try:
            return self.get_response(request)
        finally:
            _requete.reset(jeton)
