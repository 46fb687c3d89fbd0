"""Gunicorn's settings (the Procfile passes this file): its access log masks the tokens in paths and any secret."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
accesslog = "-"
logger_class = "sas.traces.JournalGunicorn"
# The combined format without the user field (no basic-auth name in the log); the request line is masked.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
