"""The OpenFisca-France web API started here, on a free loopback port, from its own environment (`make openfisca`):
for the tests and the benchmark, which need the real calculations; a deployment runs it as its own service."""

import os
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

OPENFISCA = (
    Path(os.environ.get("SAS_OPENFISCA_VENV", Path(settings.BASE_DIR) / ".venv-openfisca")) / "bin" / "openfisca"
)


class Absent(RuntimeError):
    """The service is not installed, or did not start."""


@contextmanager
def openfisca_local():
    """Start the service, yield its address once it answers, stop it on the way out."""
    if not OPENFISCA.exists():
        raise Absent(f"{OPENFISCA} manquant : lancez `make openfisca`")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603 (our own command line)
        [str(OPENFISCA), "serve", "-c", "openfisca_france", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):  # a loaded machine takes minutes to load OpenFisca-France
            try:
                urllib.request.urlopen(url + "/spec", timeout=2).close()  # noqa: S310 (http on loopback)
                break
            except OSError:
                if process.poll() is not None:
                    raise Absent("OpenFisca s'est arrêté au démarrage") from None
                time.sleep(0.5)
        else:
            raise Absent("OpenFisca n'a pas démarré en 10 minutes")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
