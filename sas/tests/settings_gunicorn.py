"""Production settings for the gunicorn run of test_traces.py: the same in everything, except that static files are
served without the manifest (collectstatic would take longer than the whole test)."""

from sas.settings import *  # noqa: F403
from sas.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
