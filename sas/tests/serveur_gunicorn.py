"""A real gunicorn, started as the Procfile starts it (gunicorn.conf.py) under the production settings, on the test
database: for the tests that need what only separate server processes show (their logs, their shared limits)."""

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _port_libre():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def base_pour_gunicorn(tmp_path):
    """The test database, as the subprocess can open it: PostgreSQL's test database itself, or SQLite's in-memory
    one copied to a file (what the test writes afterwards is not in the copy)."""
    if connection.vendor == "postgresql":
        reglages = connection.settings_dict
        return f"postgres://{reglages['USER']}:{reglages['PASSWORD']}@{reglages['HOST']}:{reglages['PORT']}/{reglages['NAME']}"
    fichier = tmp_path / "gunicorn.sqlite3"
    if not fichier.exists():
        destination = sqlite3.connect(fichier)
        connection.ensure_connection()
        connection.connection.backup(destination)
        destination.close()
    return f"sqlite:///{fichier}"


@contextlib.contextmanager
def gunicorn(base, journal, **env):
    """The base URL of a gunicorn serving `base` (a DATABASE_URL), its output written to `journal`."""
    port = _port_libre()
    garder = {k: v for k, v in os.environ.items() if k not in {"DJANGO_DEBUG", "SAS_DEMO", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env = {
        **garder,
        "DJANGO_SETTINGS_MODULE": "sas.tests.settings_gunicorn",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": base,
        "WEB_CONCURRENCY": "1",
        "PORT": str(port),
        **env,
    }
    commande = [sys.executable, "-m", "gunicorn", "sas.wsgi", "--config", "gunicorn.conf.py"]
    with journal.open("w") as sortie:
        processus = subprocess.Popen(
            [*commande, "--bind", f"127.0.0.1:{port}"], cwd=ROOT, env=env, stdout=sortie, stderr=subprocess.STDOUT
        )
        try:
            for _ in range(300):
                with socket.socket() as essai:
                    if essai.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.1)
            yield f"http://127.0.0.1:{port}"
        finally:
            processus.terminate()
            processus.wait(timeout=30)


def demander(url, *, methode="GET", corps=None, **entetes):
    # The reverse proxy says the request came over HTTPS (SECURE_PROXY_SSL_HEADER); without it, a redirect.
    entetes = {"X-Forwarded-Proto": "https", **entetes}
    requete = urllib.request.Request(url, data=corps, method=methode, headers=entetes)  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(requete, timeout=30) as reponse:  # noqa: S310 (loopback)
            return reponse.status, reponse.headers
    except urllib.error.HTTPError as erreur:
        return erreur.code, erreur.headers
