"""Cost of the retention command: choosing who is silent (four "last activity" subqueries per person) against one bare
grouped query on the events, then anonymising (every table, events rewritten) against a bare update of the people.

Half the young people are silent for three years, half spoke last month; each journey has four events with a reason.
"""

import datetime
import os

from common import report, test_database, timed

PEOPLE = int(os.environ.get("CONSERVATION_JEUNES", "2000"))


def main():
    from django.db.models import Max
    from django.utils import timezone

    from sas.communes.factories import CommuneFactory
    from sas.jeunes.models import Jeune
    from sas.organisations.factories import TerritoryFactory
    from sas.parcours.models import Parcours, ParcoursEvent
    from sas.rgpd.anonymisation import a_anonymiser, anonymiser

    now = timezone.now()
    commune, territory = CommuneFactory(), TerritoryFactory()
    jeunes = Jeune.objects.bulk_create(
        Jeune(prenom=f"J{i}", nom="Nom", telephone=f"+3361{i:07d}", commune=commune) for i in range(PEOPLE)
    )
    ages = [datetime.timedelta(days=1100 if i % 2 else 30) for i in range(PEOPLE)]
    parcours = Parcours.objects.bulk_create(
        Parcours(jeune=j, territory=territory, status="contacte", status_changed_at=now - age, created_at=now - age)
        for j, age in zip(jeunes, ages, strict=True)
    )
    ParcoursEvent.objects.bulk_create(
        ParcoursEvent(parcours=p, to_status="contacte", reason="Noté par le conseiller", occurred_at=now - age)
        for p, age in zip(parcours, ages, strict=True)
        for _ in range(4)
    )
    limite = now - datetime.timedelta(days=730)

    def bare_selection():
        list(
            ParcoursEvent.objects.values("parcours__jeune")
            .annotate(m=Max("occurred_at"))
            .filter(m__lt=limite)
            .values_list("parcours__jeune", flat=True)
        )

    chosen = []
    baseline_selection = timed(bare_selection)
    selection = timed(lambda: chosen.extend(a_anonymiser(at=now)))
    assert len(chosen) == PEOPLE // 2, len(chosen)
    report("conservation", "selection", selection * 1000, "ms")
    report("conservation", "baseline_selection", baseline_selection * 1000, "ms")
    report("conservation", "selection_ratio", selection / baseline_selection, "x")

    others = [j.pk for j in jeunes if j.pk not in {c.pk for c in chosen}]

    def bare_update():
        Jeune.objects.filter(pk__in=others).update(prenom="", nom="", telephone="")

    baseline = timed(bare_update)
    measured = timed(lambda: [anonymiser(jeune, at=now) for jeune in chosen])
    report("conservation", "rate", len(chosen) / measured, "jeunes/s")
    report("conservation", "baseline_rate", len(others) / baseline, "jeunes/s")
    report("conservation", "ratio", (measured / len(chosen)) / (baseline / len(others)), "x")


if __name__ == "__main__":
    with test_database():
        main()
