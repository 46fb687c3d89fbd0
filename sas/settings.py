"""SAS settings, read from the environment (12-factor).

Development defaults need no environment at all: SQLite in the project folder,
DEBUG on only when DJANGO_DEBUG=1. Production sets DATABASE_URL, SECRET_KEY and
ALLOWED_HOSTS; with DEBUG off the security settings below are all on.
"""

import os
import sys
from pathlib import Path

import dj_database_url
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
    # After dsfr, so that its form widget templates win over Django's own.
    "django.forms",
    "django_tasks",
    "django_tasks_db",
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
    "sas.annuaire",
    "sas.orientation",
    "sas.accueil",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "organisations.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
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
# How long the young person's personal link stays valid.
SAS_LIEN_JEUNE_JOURS = int(os.environ.get("SAS_LIEN_JEUNE_JOURS", "30"))
# How long a receiving structure's magic link stays valid (it is refused earlier once the referral is over).
SAS_LIEN_STRUCTURE_JOURS = int(os.environ.get("SAS_LIEN_STRUCTURE_JOURS", "45"))

# Records are anonymised this many days after the last contact (DESIGN.md, RGPD).
SAS_RETENTION_DAYS = int(os.environ.get("SAS_RETENTION_DAYS", str(2 * 365)))

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
