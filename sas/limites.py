"""Rate limits for the pages that need no account (public form, young people's links and codes, structures' links).

Every counter lives in the one cache that all the processes share (settings.CACHES: the database by default) and
is counted by django-ratelimit; the caller's address is read behind the trusted proxies only."""

import base64
import ipaddress
import pickle
from functools import wraps

from django.conf import settings
from django.core import checks
from django.core.cache import caches
from django.core.cache.backends import db
from django.db import connections, models, router, transaction
from django.utils.timezone import now
from django.views.decorators.cache import never_cache
from django_ratelimit import ALL
from django_ratelimit.core import _get_window, _make_cache_key, get_usage


def client_ip(request):
    """The caller's address. Each of the SAS_TRUSTED_PROXIES proxies in front of us appends the address it received
    the request from to X-Forwarded-For, so the caller is the N-th entry from the right; whatever stands left of it
    was written by the caller. With no trusted proxy the header is ignored: anyone can send one."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.SAS_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return remote


def cle_ip(ip):
    """The counter key of an address: an IPv6 caller holds a whole /64, so they count as one."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


# Cache backends whose every process sees the same counters and whose incr() is one atomic step on the server.
CACHES_PARTAGES = {
    "sas.limites.DatabaseCache",
    "django.core.cache.backends.redis.RedisCache",
    "django_redis.cache.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
}


def verifier_cache(app_configs=None, **kwargs):
    """System check: a limit counted in one process's memory, or by a read-then-write increment, gives N workers N
    times the tries (issue 14)."""
    backend = settings.CACHES.get(settings.RATELIMIT_USE_CACHE, {}).get("BACKEND")
    if backend in CACHES_PARTAGES:
        return []
    return [
        checks.Error(
            f"The rate limits' cache ({backend}) is not shared by every process or does not increment atomically.",
            hint="Use sas.limites.DatabaseCache (the default) or a Redis cache (REDIS_URL).",
            id="sas.E001",
        )
    ]


class Limite:
    """At most `limit` hits per `window` seconds for one key (an address, a link), in django-ratelimit's fixed
    windows. Only the events that should be scarce are hit (a wrong code, a form sent), so checking and counting
    are separate."""

    def __init__(self, group, *, limit, window):
        self.group, self.limit, self.window = group, limit, window

    @classmethod
    def reglable(cls, group, *, limit, window):
        """`limit` and `window` as (setting, default): a deployment may tune them without a code change."""
        return cls(group, limit=getattr(settings, *limit), window=getattr(settings, *window))

    def _usage(self, ident, *, increment):
        rate, key = (self.limit, self.window), (lambda _group, _request: str(ident))
        return get_usage(None, group=self.group, key=key, rate=rate, increment=increment)

    def exceeded(self, ident):
        # get_usage(increment=False) would write a zero counter for every caller who did nothing wrong: read the
        # one it counts under instead (the key is django-ratelimit's, the version pinned).
        value = str(ident)
        key = _make_cache_key(self.group, _get_window(value, self.window), (self.limit, self.window), value, ALL)
        return caches[settings.RATELIMIT_USE_CACHE].get(key, 0) >= self.limit

    def hit(self, ident):
        self._usage(ident, increment=True)


def par_lien(limite, trouver, invalide):
    """A view behind a magic link whose token names nothing (only its hash is stored): the view gets what
    `trouver(token)` opens, or the caller gets `invalide(request, token)` and a miss counted by `limite` against
    their address, which then finds nothing more until the window ends."""

    def decorator(view):
        @wraps(view)
        @never_cache
        def wrapper(request, token, *args, **kwargs):
            ip = cle_ip(client_ip(request))
            found = None if limite.exceeded(ip) else trouver(token)
            if found is None:
                limite.hit(ip)
                return invalide(request, token)
            response = view(request, token, found, *args, **kwargs)
            response["X-Robots-Tag"] = "noindex, nofollow"
            return response

        return wrapper

    return decorator


class DatabaseCache(db.DatabaseCache):
    """Django's database cache with an increment that holds across processes. Django's own reads the value and
    writes it back, so two workers counting at once lose a hit, and it sets the default timeout again, so a
    counter's window moves. Here the row is locked while it is rewritten (SQLite's immediate transactions lock the
    whole file) and its expiry is left alone."""

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        quote = connection.ops.quote_name
        table, lock = quote(self._table), " FOR UPDATE" if connection.features.has_select_for_update else ""
        expression = models.Expression(output_field=models.DateTimeField())
        converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            # The table name comes from settings, the key is a parameter.
            cursor.execute(f"SELECT value, expires FROM {table} WHERE cache_key = %s{lock}", [key])  # noqa: S608
            row = cursor.fetchone()
            expires = row and row[1]
            for converter in converters if row else []:
                expires = converter(expires, expression, connection)
            if row is None or expires < now():
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode())) + delta  # noqa: S301
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET value = %s WHERE cache_key = %s", [encoded, key])  # noqa: S608
        return value
