"""A small fixed-window rate limit on Django's cache, for the public pages that need no account."""

from django.conf import settings
from django.core.cache import cache


def client_ip(request):
    """The caller's address. X-Forwarded-For is only believed when our own proxy sets it (setting
    SAS_TRUST_X_FORWARDED_FOR): its last entry is the one that proxy appended, the others are client-supplied."""
    if getattr(settings, "SAS_TRUST_X_FORWARDED_FOR", False):
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "")


class RateLimit:
    """At most `limit` hits per `window` seconds for one key (an IP address)."""

    def __init__(self, name, *, limit, window):
        self.name, self.limit, self.window = name, limit, window

    def _key(self, ident):
        return f"ratelimit:{self.name}:{ident}"

    def exceeded(self, ident):
        return cache.get(self._key(ident), 0) >= self.limit

    def hit(self, ident):
        key = self._key(ident)
        # add() only creates the counter: the window starts with the first hit and is not extended by later ones.
        if not cache.add(key, 1, self.window):
            try:
                cache.incr(key)
            except ValueError:  # expired between add() and incr()
                cache.add(key, 1, self.window)


public_form = RateLimit(
    "signalement_public",
    limit=getattr(settings, "SAS_PUBLIC_FORM_LIMIT", 5),
    window=getattr(settings, "SAS_PUBLIC_FORM_WINDOW", 3600),
)
