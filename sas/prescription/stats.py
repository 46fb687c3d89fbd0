from django.db.models import Count, Q

from sas.parcours.models import EventKind, Parcours
from sas.parcours.status import MAIN_STAGES, Status


def stages_reached(organisation):
    """[(stage label, number of journeys signalled by `organisation` that ever reached it)], in journey order."""
    signalled = Parcours.objects.signalled_by([organisation.pk])
    counts = signalled.aggregate(
        **{
            stage: Count("pk", filter=Q(events__kind=EventKind.TRANSITION, events__to_status=stage), distinct=True)
            for stage in MAIN_STAGES
        },
        total=Count("pk", distinct=True),
    )
    return counts["total"], [(Status(stage).label, counts[stage]) for stage in MAIN_STAGES]
