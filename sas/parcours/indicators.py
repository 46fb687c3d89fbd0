"""Aggregates for pilots: never names, and small counts suppressed (DESIGN.md, RGPD)."""

from django.db.models import Count

from sas.secret_statistique import PRIMAIRE, SEUIL, proteger_liste

from .models import Parcours
from .status import Status

SMALL_COUNT = SEUIL


def suppress_small(count):
    """A count shown alone: from 1 to 10 it could single someone out, shown as "< 11". Counts shown with others
    and their total go through `sas.secret_statistique` instead."""
    return PRIMAIRE if 0 < count < SMALL_COUNT else count


def status_counts(territory):
    """[(status label, Cellule)] in journey order, and the total's Cellule, protected together."""
    rows = Parcours.objects.filter(territory=territory).values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    cellules, total = proteger_liste({status: counts.get(status, 0) for status in Status})
    return [(status.label, cellules[status]) for status in Status], total
