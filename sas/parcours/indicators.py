"""Aggregates for pilots: never names, and small counts suppressed (DESIGN.md, RGPD)."""

from django.db.models import Count

from .models import Parcours
from .status import Status

SMALL_COUNT = 11


def suppress_small(count):
    """Counts from 1 to 10 could single someone out: show them as "< 11"."""
    return "< 11" if 0 < count < SMALL_COUNT else count


def status_counts(territory):
    """[(status label, shown count)] in journey order, and the shown total."""
    rows = Parcours.objects.filter(territory=territory).values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    by_status = [(status.label, suppress_small(counts.get(status, 0))) for status in Status]
    return by_status, suppress_small(sum(counts.values()))
