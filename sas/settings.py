"""SAS settings, read from the environment (12-factor).

Development defaults need no environment at all: SQLite in the project folder,
DEBUG on only when DJANGO_DEBUG=1. Production sets DATABASE_URL, SECRET_KEY and
ALLOWED_HOSTS; with DEBUG off the security settings below are all on.
"""

import datetime
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")
# Demo mode shows the demo accounts on the login page; never on in production.
SAS_DEMO = env_bool("SAS_DEMO")
# Tests run with DEBUG off, as in production, without needing a SECRET_KEY or collected static files.
TESTING = "pytest" in sys.modules

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or SAS_DEMO or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-only-key-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or SAS_DEMO else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "dsfr",
    "widget_tweaks",
    # Serves the API docs' Swagger UI from our static files (no CDN, no inline script: the CSP allows neither).
    "ninja",
    "csp",
    # After dsfr, so that its form widget templates win over Django's own.
    "django.forms",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "sas.communes",
    "sas.organisations",
    "sas.jeunes",
    "sas.parcours",
    "sas.audit",
    "sas.prescription",
    "sas.api",
    "sas.aiguillage",
    "sas.messagerie",
    "sas.espace_jeune",
    "sas.rendezvous",
    "sas.diagnostic",
    "sas.droits",
    "sas.annuaire",
    # Before orientation: its question on the young person's page (a check-in) comes before the hand-off's ones.
    "sas.suivi",
    "sas.orientation",
    "sas.rgpd",
    "sas.accueil",
    "sas.connexion",
    "sas.pilotage",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "sas.accueil.middleware.EntetesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "sas.connexion.middleware.SecondFacteurMiddleware",
    "sas.audit.contexte.ContexteAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "sas.accueil.middleware.TailleMaxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sas.urls"
WSGI_APPLICATION = "sas.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "sas" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sas.accueil.context_processors.site",
            ],
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles a query whose estimated cost passes 100,000 (the territory queue's, with its
    # per-journey subqueries) for longer than the query then runs: this service runs short queries only.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's web server, task worker and scheduler share one file: WAL lets readers and the writer work together,
    # the busy timeout and immediate transactions make a writer wait for its turn instead of failing "locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
# One cache shared by every process (web workers, task worker): the rate limits' counters live there, so that they
# hold across workers and restarts. The database by default, nothing more to run; Redis when one is configured.
_CACHE_URL = os.environ.get("REDIS_URL") or os.environ.get("CACHE_URL", "")
if _CACHE_URL:
    if not _CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("REDIS_URL / CACHE_URL must be a redis:// address.")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "sas.limites.DatabaseCache",
            "LOCATION": "sas_cache",
            # Past MAX_ENTRIES Django deletes a third of the rows: a flood of new keys must not wipe the counters.
            "OPTIONS": {"MAX_ENTRIES": 200_000},
        }
    }
# django-ratelimit is used as a library (sas.limites), not as an app: its system check warns about every backend it
# does not list, Django's own RedisCache included. sas.limites.verifier_cache checks instead that the counters'
# cache is shared by the processes and increments atomically, and refuses to start otherwise.
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = "sas.limites.client_ip"
# How many reverse proxies stand in front of the application and append the caller to X-Forwarded-For (0: none,
# the header is never believed).
SAS_TRUSTED_PROXIES = int(os.environ.get("SAS_TRUSTED_PROXIES", "0"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "organisations.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked account or address before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "sas.connexion.proconnect.ProConnectBackend",
]
# Failed logins are kept in the database (shared by every worker) and lock, for the cool-off, the account tried and,
# separately, the address they came from: the right password waits too.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("SAS_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("SAS_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Django's login form names the e-mail field "username".
AXES_USERNAME_FORM_FIELD = "username"
AXES_CLIENT_IP_CALLABLE = "sas.limites.client_ip"
AXES_LOCKOUT_CALLABLE = "sas.connexion.views.verrouille"
# A new try during the lockout does not push its end back: the message's duration holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# No banner at every start (management commands included), and no user agent in the failure logs.
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "SAS"
# A reset link works for 2 hours (the e-mail says so).
PASSWORD_RESET_TIMEOUT = 2 * 3600
# ProConnect (OpenID Connect, mozilla-django-oidc): on only when the three are set. PROCONNECT_BASE_URL is the
# provider's API root (https://auth.agentconnect.gouv.fr/api/v2 in production, fca.integ01.dev-agentconnect.fr/api/v2
# for integration); the endpoints are its documented paths below it, and the ID token's issuer is that root.
PROCONNECT_BASE_URL = os.environ.get("PROCONNECT_BASE_URL", "").rstrip("/")
OIDC_RP_CLIENT_ID = os.environ.get("PROCONNECT_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("PROCONNECT_CLIENT_SECRET", "")
# The claims ProConnect documents, each asked for as its own scope.
OIDC_RP_SCOPES = "openid given_name usual_name email uid siret idp_id"
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"acr_values": "eidas1"}
# ProConnect refuses a state or a nonce shorter than 32 characters.
OIDC_STATE_SIZE = 48
OIDC_NONCE_SIZE = 48
OIDC_USE_NONCE = True
OIDC_USE_PKCE = False
# Kept in the session for the provider's logout (id_token_hint); never shown, gone with the session.
OIDC_STORE_ID_TOKEN = True
OIDC_AUTHENTICATION_CALLBACK_URL = "connexion:proconnect_retour"
OIDC_TIMEOUT = float(os.environ.get("PROCONNECT_TIMEOUT", "10"))
OIDC_CREATE_USER = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "accueil:home"
LOGOUT_REDIRECT_URL = "accueil:home"

LANGUAGE_CODE = "fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Tests serve static files from the apps, as in development, without collectstatic.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The demo prints e-mails in the console instead of trying an SMTP server that is not there.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG or SAS_DEMO
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "SAS <ne-pas-repondre@sas.localhost>")

DSFR_MARK_OPTIONAL_FIELDS = True
# Public address of the service, for links in e-mails and SMS.
SAS_SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# SMS: "outbox" keeps messages in the database and shows them in the interface (demo, tests);
# "http" posts them to a provider with Brevo's transactional SMS API shape.
SAS_SMS_PROVIDER = os.environ.get("SAS_SMS_PROVIDER", "outbox")
SAS_SMS_API_URL = os.environ.get("SAS_SMS_API_URL", "https://api.brevo.com/v3/transactionalSMS/sms")
SAS_SMS_API_KEY = os.environ.get("SAS_SMS_API_KEY", "")
SAS_SMS_SENDER = os.environ.get("SAS_SMS_SENDER", "SAS")
SAS_SMS_TIMEOUT = float(os.environ.get("SAS_SMS_TIMEOUT", "10"))
# Shared secret the provider's delivery callbacks and inbound SMS (STOP) must carry.
SAS_SMS_WEBHOOK_SECRET = os.environ.get("SAS_SMS_WEBHOOK_SECRET", "")
# A signed webhook (X-Webhook-Timestamp and X-Webhook-Signature, HMAC-SHA256 of "timestamp.body") is refused outside
# this many seconds around now.
SAS_SMS_WEBHOOK_FENETRE = int(os.environ.get("SAS_SMS_WEBHOOK_FENETRE", "300"))


def hours_setting(name, default):
    """A "HH:MM" time from the environment; "24:00" is the end of the day."""
    value = os.environ.get(name, default).strip()
    if value == "24:00":
        return datetime.time.max
    try:
        return datetime.time.fromisoformat(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a time such as 08:00, not {value!r}.") from error


def check_quiet_hours(debut, fin, jours_fermes, *, may_widen):
    if debut >= fin or not jours_fermes < set(range(1, 8)):
        raise ImproperlyConfigured("SAS_ENVOI_*: messages must be allowed at some hour of some weekday (1 to 7).")
    if not may_widen and (debut < datetime.time(8) or fin > datetime.time(20) or 7 not in jours_fermes):
        raise ImproperlyConfigured("SAS_ENVOI_*: no message to young people before 08:00, after 20:00 nor on Sundays.")


# Quiet hours for messages to young people, Paris time: they leave between SAS_ENVOI_DEBUT and SAS_ENVOI_FIN, never on
# the ISO weekdays of SAS_ENVOI_JOURS_FERMES (7: Sunday). A territory may narrow them; only a development or demo
# server may widen them (the end-to-end test, on the real clock, opens them round the clock).
SAS_ENVOI_DEBUT = hours_setting("SAS_ENVOI_DEBUT", "08:00")
SAS_ENVOI_FIN = hours_setting("SAS_ENVOI_FIN", "20:00")
SAS_ENVOI_JOURS_FERMES = frozenset(int(day) for day in env_list("SAS_ENVOI_JOURS_FERMES", "7"))
check_quiet_hours(SAS_ENVOI_DEBUT, SAS_ENVOI_FIN, SAS_ENVOI_JOURS_FERMES, may_widen=DEBUG or SAS_DEMO or TESTING)
# How long the young person's personal link stays valid.
SAS_LIEN_JEUNE_JOURS = int(os.environ.get("SAS_LIEN_JEUNE_JOURS", "30"))
# How long a receiving structure's magic link stays valid (it is refused earlier once the referral is over).
SAS_LIEN_STRUCTURE_JOURS = int(os.environ.get("SAS_LIEN_STRUCTURE_JOURS", "45"))
# Follow-up after take-up (sas.suivi): check-ins so many months after it, at most two reminders (days after the
# question) to whoever has not answered, then "no answer" so many days after the question sends the person back to
# the counsellor. A check-in is skipped after a contact logged in the last SAS_SUIVI_CONTACT_RECENT_JOURS days.
SAS_SUIVI_MOIS = tuple(int(m) for m in env_list("SAS_SUIVI_MOIS", "1,3,6"))
SAS_SUIVI_RELANCES_JOURS = tuple(int(d) for d in env_list("SAS_SUIVI_RELANCES_JOURS", "7,14"))
SAS_SUIVI_SANS_REPONSE_JOURS = int(os.environ.get("SAS_SUIVI_SANS_REPONSE_JOURS", "21"))
SAS_SUIVI_CONTACT_RECENT_JOURS = int(os.environ.get("SAS_SUIVI_CONTACT_RECENT_JOURS", "15"))
# How long a structure's check-in link stays valid (refused earlier once the check-in is over).
SAS_LIEN_SUIVI_JOURS = int(os.environ.get("SAS_LIEN_SUIVI_JOURS", "30"))
# People left unreachable (deferred ones included) are tried again once, so many months later, before closing.
SAS_NOUVEL_ESSAI_MOIS = int(os.environ.get("SAS_NOUVEL_ESSAI_MOIS", "3"))

# The OpenFisca-France web API (its own service, bound to loopback: `make run` starts it).
SAS_OPENFISCA_URL = os.environ.get("SAS_OPENFISCA_URL", "http://127.0.0.1:5001")
SAS_OPENFISCA_TIMEOUT = float(os.environ.get("SAS_OPENFISCA_TIMEOUT", "10"))

# Records are anonymised this many days after the last contact (DESIGN.md, RGPD).
SAS_RETENTION_DAYS = int(os.environ.get("SAS_RETENTION_DAYS", str(2 * 365)))
# An API idempotency key only serves a client's retries; its stored response names the young person, so it goes
# after this many hours.
SAS_IDEMPOTENCY_RETENTION_HOURS = int(os.environ.get("SAS_IDEMPOTENCY_RETENTION_HOURS", "24"))

# Scripts only from our own static files, never inline: an injected <script> or on…= attribute does not run. The DSFR
# loads its scripts from static files; a page that one day needs an inline script gives it
# nonce="{{ request.csp_nonce }}" (the nonce then joins the header). Styles too: no page uses a style attribute.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# The logout form's answer sends the browser on to ProConnect's session/end: a form's redirects count for form-action.
if PROCONNECT_BASE_URL:
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(
        urlsplit(PROCONNECT_BASE_URL)._replace(path="").geturl()
    )
# No page needs a device feature; denying them all keeps an injected frame or script from asking for one.
SAS_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)

# Larger request bodies are refused before being read: the biggest legitimate one is a 20 MB signalement file.
SAS_TAILLE_MAX_REQUETE = int(os.environ.get("SAS_TAILLE_MAX_REQUETE", str(21 * 1024 * 1024)))

# Audit entries keep the client address and the session only as keyed hashes (CNIL, logging recommendation): the
# pepper lives outside the database, so a copy of the table alone does not give the addresses back.
SAS_AUDIT_PEPPER = os.environ.get("SAS_AUDIT_PEPPER", "") or f"audit:{SECRET_KEY}"
# The audit log is purged after this many days (CNIL: 6 months to 1 year for access logs).
SAS_AUDIT_RETENTION_DAYS = int(os.environ.get("SAS_AUDIT_RETENTION_DAYS", "365"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and not SAS_DEMO:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not TESTING)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Bearer tokens in paths (/j/…, /orientation/s/…) and secrets in query strings are masked in every log line, by the
# loggers that print request paths and by the handler all others reach. Gunicorn's access log: gunicorn.conf.py.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"masquer_secrets": {"()": "sas.traces.MasquerSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["masquer_secrets"]}},
    "loggers": {
        "django.request": {"filters": ["masquer_secrets"]},
        "django.server": {"handlers": ["console"], "filters": ["masquer_secrets"], "propagate": False},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
