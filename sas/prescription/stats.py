from django.db.models import Count, F, OuterRef, Q, Subquery

from sas.parcours.models import EventKind, Signalement
from sas.parcours.status import MAIN_STAGES, Status
from sas.permissions import parcours_for_organisation


def stages_reached(organisation):
    """[(stage label, number of journeys signalled by `organisation` that reached it)], in journey order. A stage
    counts only from the moment the organisation's first signalement joined the journey, as in vue_prescripteur()."""
    first = Signalement.objects.filter(parcours=OuterRef("pk"), organisation=organisation).order_by("attache_le")
    signalled = parcours_for_organisation(organisation).annotate(depuis=Subquery(first.values("attache_le")[:1]))
    counts = signalled.aggregate(
        **{
            stage: Count(
                "pk",
                filter=Q(
                    events__kind=EventKind.TRANSITION,
                    events__to_status=stage,
                    events__occurred_at__gte=F("depuis"),
                ),
                distinct=True,
            )
            for stage in MAIN_STAGES
        },
        total=Count("pk", distinct=True),
    )
    return counts["total"], [(Status(stage).label, counts[stage]) for stage in MAIN_STAGES]
