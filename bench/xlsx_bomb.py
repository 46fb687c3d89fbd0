"""A 1,000-row .xlsx whose <dimension> claims A1:XFD1048576 (the whole grid), against the same rows with an honest
dimension: the claim must cost nothing. Before the bounded reading it cost 3 s and 213 MB (issue 14).

A second bomb holds one cell at A1048576 (the last row) under the same claim: it is refused once the rows read pass
the limit, whatever the sheet says it holds.

Target: the bomb read (or refused) in well under a second, at the baseline's cost."""

import django
from common import report, timed

ROWS = 1_000


def main():
    django.setup()
    from sas.prescription.imports import ImportFileError, parse_file
    from sas.prescription.tests.test_fichiers_bornes import ENTETE, classeur

    lignes = [ENTETE] + [[f"Jeune{i}", "0612345678", "69123"] for i in range(ROWS)]
    honnete, bombe = classeur(lignes), classeur(lignes, dimension="A1:XFD1048576")
    baseline = min(timed(parse_file, "f.xlsx", honnete) for _ in range(3))
    bomb = min(timed(parse_file, "f.xlsx", bombe) for _ in range(3))
    report("xlsx_bomb", "file_size", len(bombe) / 1024, "KB")
    report("xlsx_bomb", "baseline_honest_dimension", baseline, "s")
    report("xlsx_bomb", "whole_grid_dimension", bomb, "s")
    report("xlsx_bomb", "ratio_to_baseline", bomb / baseline, "x")
    lointaine = classeur(lignes[:2], dimension="A1:XFD1048576", cellule_lointaine="A1048576")

    def refused():
        try:
            parse_file("f.xlsx", lointaine)
        except ImportFileError:
            return
        raise AssertionError("the far-cell bomb was read")

    report("xlsx_bomb", "far_cell_file_size", len(lointaine) / 1024, "KB")
    far = min(timed(refused) for _ in range(3))
    report("xlsx_bomb", "far_cell_refused", far, "s")
    report("xlsx_bomb", "far_cell_ratio_to_baseline", far / baseline, "x")


if __name__ == "__main__":
    main()
