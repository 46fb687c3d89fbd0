import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args, **env):
    """Run python in a fresh process with the production environment (nothing the tests set)."""
    unset = {"DJANGO_DEBUG", "SAS_DEMO", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_check_deploy():
    result = run(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="sas.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Django always prints its count; nothing found and nothing silenced is all it may say.
    assert (result.stdout + result.stderr).strip() == "System check identified no issues (0 silenced)."


def test_a_cache_the_processes_do_not_share_stops_the_start():
    """What the silenced django-ratelimit warning stood for, checked for real: a limit counted in one process's
    memory is refused, the database cache that increments atomically passes."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'sas.settings'; django.setup();"
        "from django.conf import settings; from django.core.management import call_command;"
        "settings.CACHES['default']['BACKEND'] = os.environ['BACKEND']; call_command('check')"
    )
    key = secrets.token_urlsafe(50)
    for backend in ["django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.db.DatabaseCache"]:
        refused = run("-c", code, SECRET_KEY=key, BACKEND=backend)
        assert refused.returncode != 0 and "sas.E001" in refused.stderr, backend
    assert run("-c", code, SECRET_KEY=key, BACKEND="sas.limites.DatabaseCache").returncode == 0


def test_production_refuses_to_start_without_a_secret_key():
    result = run("manage.py", "check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_wsgi_application_loads():
    result = run(
        "-c", "import sas.wsgi; print(type(sas.wsgi.application).__name__)", SECRET_KEY=secrets.token_urlsafe(50)
    )
    assert result.stdout.strip() == "WSGIHandler", result.stderr


def test_production_refuses_quiet_hours_wider_than_the_rule():
    key = secrets.token_urlsafe(50)
    for env in ({"SAS_ENVOI_DEBUT": "07:00"}, {"SAS_ENVOI_FIN": "24:00"}, {"SAS_ENVOI_JOURS_FERMES": ""}):
        result = run("manage.py", "check", SECRET_KEY=key, **env)
        assert result.returncode != 0, env
        assert "no message to young people before 08:00" in result.stderr, env
    narrower = run("manage.py", "check", SECRET_KEY=key, SAS_ENVOI_DEBUT="09:00", SAS_ENVOI_JOURS_FERMES="6,7")
    assert narrower.returncode == 0, narrower.stderr
