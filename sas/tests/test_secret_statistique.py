"""Statistical secrecy: an attacker who reads everything a table shows recomputes no hidden cell."""

import random

import numpy as np
import pytest

from sas.secret_statistique import (
    PRIMAIRE,
    SECONDAIRE,
    TOTAL,
    proteger,
    proteger_liste,
    proteger_tableau,
    taux_publiable,
)


def recomputable(valeurs, relations, cellules):
    """The hidden cells an attacker can work out: unknowns of the linear system the relations give once the
    visible cells are replaced by their values (numpy's rank, independently of the module's own algebra)."""
    hidden = [k for k, c in cellules.items() if c.masquee]
    if not hidden:
        return []
    a = np.array(
        [[(k in parts) - (k == total) for k in hidden] for parts, total in relations],
        dtype=float,
    )
    rank = np.linalg.matrix_rank(a)
    found = []
    for i, k in enumerate(hidden):
        unit = np.zeros(len(hidden))
        unit[i] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            found.append(k)
    return found


def list_relations(effectifs):
    return [(list(effectifs), TOTAL)]


def table_relations(lignes, colonnes):
    relations = [([(ligne, c) for c in colonnes], (ligne, TOTAL)) for ligne in [*lignes, TOTAL]]
    return relations + [([(ligne, c) for ligne in lignes], (TOTAL, c)) for c in [*colonnes, TOTAL]]


def test_one_small_count_beside_an_exact_total_hides_a_second_cell():
    # The finding: 12 signalés, "< 11" sorties à venir and a total of 13 told the hidden 1.
    effectifs = {"signale": 12, "sortie_a_venir": 1, "contacte": 0}
    cellules, total = proteger_liste(effectifs)
    assert str(cellules["sortie_a_venir"]) == PRIMAIRE
    assert str(cellules["contacte"]) == "0"
    shown = {**cellules, TOTAL: total}
    assert recomputable({**effectifs, TOTAL: 13}, list_relations(effectifs), shown) == []
    assert cellules["signale"].masque == SECONDAIRE or total.masque == SECONDAIRE


def test_nothing_is_hidden_when_every_count_is_large_or_zero():
    effectifs = {"a": 40, "b": 0, "c": 11}
    cellules, total = proteger_liste(effectifs)
    assert [str(c) for c in cellules.values()] == ["40", "0", "11"]
    assert str(total) == str(40 + 0 + 11)


def test_a_two_way_table_hides_along_rows_columns_and_margins():
    lignes, colonnes = ["ase", "spip", "ml"], ["15-17", "18-25", "26-29"]
    counts = {
        ("ase", "15-17"): 3,
        ("ase", "18-25"): 30,
        ("ase", "26-29"): 25,
        ("spip", "15-17"): 14,
        ("spip", "18-25"): 22,
        ("spip", "26-29"): 19,
        ("ml", "15-17"): 40,
        ("ml", "18-25"): 51,
        ("ml", "26-29"): 12,
    }
    cellules = proteger_tableau(lignes, colonnes, lambda ligne, colonne: counts[(ligne, colonne)])
    assert str(cellules[("ase", "15-17")]) == PRIMAIRE
    assert sum(c.masque == SECONDAIRE for c in cellules.values()) >= 3, "one more in its row, its column, and a 4th"
    valeurs = {k: c.valeur for k, c in cellules.items()}
    assert recomputable(valeurs, table_relations(lignes, colonnes), cellules) == []
    assert str(cellules[(TOTAL, TOTAL)]) == str(sum(counts.values())), "the grand total stays when it can"


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_leave_nothing_to_recompute(seed):
    rng = random.Random(seed)
    lignes = [f"l{i}" for i in range(rng.randint(1, 5))]
    colonnes = [f"c{j}" for j in range(rng.randint(1, 5))]
    counts = {(ligne, c): rng.choice([0, 1, 2, 5, 9, 10, 11, 12, 20, 35, 80]) for ligne in lignes for c in colonnes}
    cellules = proteger_tableau(lignes, colonnes, lambda ligne, colonne: counts[(ligne, colonne)])
    valeurs = {k: c.valeur for k, c in cellules.items()}
    assert recomputable(valeurs, table_relations(lignes, colonnes), cellules) == []
    for key, value in counts.items():
        assert (str(cellules[key]) == PRIMAIRE) == (0 < value < 11)


def test_a_rate_is_hidden_when_its_numerator_or_its_complement_is_small():
    assert taux_publiable(276, 300)
    assert not taux_publiable(5, 300), "5 people reached"
    assert not taux_publiable(295, 300), "5 people not reached: 98 % tells of almost everyone"
    assert not taux_publiable(0, 300) and not taux_publiable(300, 300)


@pytest.mark.parametrize("seed", range(60))
def test_tables_sharing_their_margins_are_protected_together(seed):
    """Two breakdowns of the same people (rows by age, rows by sex) share their column totals and grand total, as on
    the pilots' dashboard: a hidden cell may then follow through a chain of relations across both."""
    rng = random.Random(seed)
    colonnes = ["a", "b", "c"]
    valeurs, relations = {}, []
    totaux = {c: ("col", c) for c in colonnes}
    for tableau, lignes in (("age", ["15-17", "18-21", "22-25"]), ("sexe", ["f", "h"])):
        effectifs = {(tableau, ligne, c): rng.choice([0, 1, 3, 8, 12, 20, 40]) for ligne in lignes for c in colonnes}
        if tableau == "sexe":
            # The same people: the second table's columns add up to the first's.
            for c in colonnes:
                first = sum(valeurs[("age", ligne, c)] for ligne in ["15-17", "18-21", "22-25"])
                effectifs[("sexe", "f", c)] = rng.randint(0, first)
                effectifs[("sexe", "h", c)] = first - effectifs[("sexe", "f", c)]
        valeurs.update(effectifs)
        for ligne in lignes:
            valeurs[(tableau, ligne, TOTAL)] = sum(effectifs[(tableau, ligne, c)] for c in colonnes)
            relations.append(([(tableau, ligne, c) for c in colonnes], (tableau, ligne, TOTAL)))
        for c in colonnes:
            valeurs[totaux[c]] = sum(effectifs[(tableau, ligne, c)] for ligne in lignes)
            relations.append(([(tableau, ligne, c) for ligne in lignes], totaux[c]))
        relations.append(([(tableau, ligne, TOTAL) for ligne in lignes], ("grand", TOTAL)))
    valeurs[("grand", TOTAL)] = sum(valeurs[totaux[c]] for c in colonnes)
    relations.append(([totaux[c] for c in colonnes], ("grand", TOTAL)))
    cellules = proteger(valeurs, relations)
    assert recomputable(valeurs, relations, cellules) == []
    assert all(c.masquee for k, c in cellules.items() if 0 < valeurs[k] < 11)
