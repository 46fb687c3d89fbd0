"""A prescriber's batch file of 10,000 rows (5% bad) through the whole import, against reading and checking
the same file without writing (the preview).

Target: the whole file in 20 s or less on PostgreSQL. Also measures sending the same file again.
"""

import time

from common import report_import, test_database, timed

ROWS = 10_000


def main():
    from sas.communes.models import Commune
    from sas.communes.services import import_communes
    from sas.organisations.factories import OrganisationFactory, member
    from sas.organisations.models import OrganisationKind, Role, Territory
    from sas.parcours.models import Signalement
    from sas.prescription.imports import create_batch, run_import
    from sas.prescription.tests.test_imports import csv_bytes, sample_rows

    import_communes(wet_run=True)
    territory = Territory.objects.create(nom="Rhône")
    territory.communes.add(*Commune.objects.filter(departement_id="69"))
    OrganisationFactory(territory=territory, kind=OrganisationKind.EQUIPE_SAS)
    organisation = OrganisationFactory(territory=territory, kind=OrganisationKind.ASE)
    user = member(Role.PRESCRIPTEUR, organisation)
    rows, bad = sample_rows(ROWS)
    content = csv_bytes(rows)

    batches = []

    def preview():
        batches.append(create_batch(organisation=organisation, user=user, filename="f.csv", content=content))

    baseline = timed(preview)
    start = time.perf_counter()
    imported = run_import(batches[0])
    total = baseline + time.perf_counter() - start
    assert imported.created_count == ROWS - len(bad) == Signalement.objects.count(), imported.created_count

    def again():
        batch = create_batch(organisation=organisation, user=user, filename="f.csv", content=content)
        assert run_import(batch).already_imported_count == ROWS - len(bad)

    second = timed(again)
    report_import(
        "prescription_import", ROWS, total, baseline=("preview_baseline", baseline), again=("same_file_again", second)
    )


if __name__ == "__main__":
    with test_database():
        main()
