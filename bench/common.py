"""Shared set-up for benchmarks: Django on a throw-away test database (SQLite, or DATABASE_URL)."""

import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sas.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")


@contextmanager
def test_database():
    import django
    from django.test.utils import setup_databases, teardown_databases

    django.setup()
    config = setup_databases(verbosity=0, interactive=False)
    try:
        yield
    finally:
        teardown_databases(config, verbosity=0)


def timed(function, *args):
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def report(name, metric, value, unit):
    print(f"BENCH {name} {metric} {value:.4g} {unit}", flush=True)


def report_import(name, rows, total, *, baseline, again):
    """An import's figures: its whole time and rate against `baseline` (metric, seconds: the same rows read without
    writing), and `again` (metric, seconds: the same input sent a second time)."""
    report(name, "total", total, "s")
    report(name, "rate", rows / total, "rows/s")
    report(name, baseline[0], baseline[1], "s")
    report(name, "ratio", total / baseline[1], "x")
    report(name, again[0], again[1], "s")


# A journey's path through the state machine, as the benchmarks' generated histories take it.
CHEMIN = [
    "signale",
    "a_contacter",
    "contact_en_cours",
    "contacte",
    "diagnostic_fait",
    "orientation_proposee",
    "orientation_envoyee",
    "acceptee_par_structure",
    "premier_rdv",
    "pris_en_charge",
    "suivi",
    "sorti_positif",
]
