"""Cost of the journey state machine (validation, row lock, event) against a bare status write.

Both write one event and one status per move; the baseline skips validation and the row lock.
"""

from common import report, test_database, timed

MOVES = ["a_contacter", "contact_en_cours", "contacte", "diagnostic_fait"]
JOURNEYS = 300


def main():
    from django.db import transaction
    from django.utils import timezone

    from sas.parcours import transitions
    from sas.parcours.factories import ParcoursFactory
    from sas.parcours.models import Parcours, ParcoursEvent

    checked = ParcoursFactory.create_batch(JOURNEYS)
    bare = ParcoursFactory.create_batch(JOURNEYS)

    def through_state_machine():
        for parcours in checked:
            for status in MOVES:
                transitions.transition(parcours, status)

    def bare_writes():
        for parcours in bare:
            for status in MOVES:
                with transaction.atomic():
                    now = timezone.now()
                    ParcoursEvent.objects.create(
                        parcours=parcours, from_status=parcours.status, to_status=status, occurred_at=now
                    )
                    Parcours.objects.filter(pk=parcours.pk).update(status=status, status_changed_at=now)
                    parcours.status = status

    baseline = timed(bare_writes)
    measured = timed(through_state_machine)
    moves = JOURNEYS * len(MOVES)
    report("transitions", "rate", moves / measured, "moves/s")
    report("transitions", "baseline_rate", moves / baseline, "moves/s")
    report("transitions", "ratio", measured / baseline, "x")


if __name__ == "__main__":
    with test_database():
        main()
