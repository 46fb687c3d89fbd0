"""Statistical secrecy for every figure SAS publishes (pilots' pages and exports).

A published table must not let anyone single out a person: counts from 1 to 10 are hidden ("< 11"), and so is
any further cell needed so that no hidden cell can be worked out from what is shown, by sums or differences
along rows, columns and totals (secondary suppression). A hidden cell can be worked out exactly when its value
follows from the table's additive relations and the visible cells: linear algebra decides it, on the exact
integers (`_determinables`). Rates follow the same rule on their numerator and its complement.

Pure functions: no database, no Django; the callers build the tables.
"""

import dataclasses
import math

SEUIL = 11
PRIMAIRE = "< 11"
SECONDAIRE = "secret"


class _Total:
    """The margins' key, distinct from any label."""

    def __repr__(self):
        return "TOTAL"


TOTAL = _Total()


@dataclasses.dataclass(frozen=True)
class Cellule:
    valeur: int
    masque: str = ""  # "", PRIMAIRE or SECONDAIRE

    @property
    def masquee(self):
        return bool(self.masque)

    def __str__(self):
        return self.masque or str(self.valeur)


def proteger(valeurs, relations, *, seuil=SEUIL):
    """What may be shown of the cells `valeurs` ({key: count}) bound by `relations` ([(parts, total)]: the cells
    of `parts` add up to the cell `total`, all keys of `valeurs`). Returns {key: Cellule}."""
    masques = {k: PRIMAIRE for k, v in valeurs.items() if 0 < v < seuil}
    while faibles := _determinables(valeurs, relations, masques):
        for cle in faibles:
            if cle in _determinables(valeurs, relations, masques):
                masques[_complement(cle, valeurs, relations, masques)] = SECONDAIRE
    return {k: Cellule(v, masques.get(k, "")) for k, v in valeurs.items()}


def proteger_liste(effectifs, *, seuil=SEUIL):
    """A one-column table and its total: ({key: Cellule}, total Cellule)."""
    valeurs = dict(effectifs)
    valeurs[TOTAL] = sum(effectifs.values())
    cellules = proteger(valeurs, [(list(effectifs), TOTAL)], seuil=seuil)
    return {k: cellules[k] for k in effectifs}, cellules[TOTAL]


def proteger_tableau(lignes, colonnes, effectif, *, seuil=SEUIL):
    """A two-way table with its margins: `effectif(ligne, colonne)` gives each inner count. Returns {(ligne,
    colonne): Cellule} where the key (ligne, TOTAL) is a row total, (TOTAL, colonne) a column total and
    (TOTAL, TOTAL) the grand total."""
    valeurs = {(ligne, colonne): effectif(ligne, colonne) for ligne in lignes for colonne in colonnes}
    for ligne in lignes:
        valeurs[(ligne, TOTAL)] = sum(valeurs[(ligne, c)] for c in colonnes)
    for colonne in [*colonnes, TOTAL]:
        valeurs[(TOTAL, colonne)] = sum(valeurs[(ligne, colonne)] for ligne in lignes)
    relations = [([(ligne, c) for c in colonnes], (ligne, TOTAL)) for ligne in [*lignes, TOTAL]]
    relations += [([(ligne, c) for ligne in lignes], (TOTAL, c)) for c in [*colonnes, TOTAL]]
    return proteger(valeurs, relations, seuil=seuil)


def taux_publiable(numerateur, denominateur, *, seuil=SEUIL):
    """A rate is shown only when neither those who count nor those who do not are fewer than `seuil`: 100 % of
    a group tells something of each of its members."""
    return numerateur >= seuil and denominateur - numerateur >= seuil


def _complement(cle, valeurs, relations, masques):
    """The visible cell to hide with `cle`: in a relation of `cle`, the smallest non-zero count (inner cells
    before totals, a zero only when nothing else is left)."""
    candidats = []
    for parts, total in relations:
        cellules = [*parts, total]
        if cle not in cellules:
            continue
        for autre in cellules:
            if autre not in masques:
                candidats.append((valeurs[autre] == 0, autre == total, valeurs[autre], autre))
    if not candidats:
        # Every other cell of `cle`'s relations is hidden already: it follows through a chain of relations. Hiding
        # a visible cell of a relation that holds a hidden one breaks a link of that chain.
        for parts, total in relations:
            cellules = [*parts, total]
            if any(c in masques for c in cellules):
                candidats += [(valeurs[a] == 0, a == total, valeurs[a], a) for a in cellules if a not in masques]
    return min(candidats, key=lambda c: c[:3])[3]


def _determinables(valeurs, relations, masques):
    """The hidden cells whose value follows exactly from the relations and the visible cells: those whose unit
    vector lies in the row space of the relations restricted to the hidden cells (reduced row echelon form). Hidden
    cells that share no relation, even through other hidden cells, are independent: each block is reduced apart."""
    inconnues = [k for k in valeurs if k in masques]
    index = {k: i for i, k in enumerate(inconnues)}
    parent = list(range(len(inconnues)))

    def racine(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    lignes = []
    for parts, total in relations:
        ligne = {}
        for cle, signe in [*((p, 1) for p in parts), (total, -1)]:
            if cle in index:
                ligne[index[cle]] = ligne.get(index[cle], 0) + signe
        if ligne := {j: x for j, x in ligne.items() if x}:
            lignes.append(ligne)
            premier, *autres = ligne
            for j in autres:
                parent[racine(j)] = racine(premier)
    blocs = {}
    for ligne in lignes:
        blocs.setdefault(racine(next(iter(ligne))), []).append(ligne)
    return [inconnues[j] for j in sorted(j for bloc in blocs.values() for j in _pivots_seuls(bloc))]


def _pivots_seuls(lignes):
    """The columns whose unit vector is in the row space of `lignes` (sparse integer rows {column: coefficient}):
    Gauss-Jordan elimination in exact integers, rows scaled by the pivot instead of divided by it."""
    lignes = list(lignes)
    pivots = {}  # column: index of its row
    libres = set(range(len(lignes)))  # rows not yet a pivot's
    for colonne in sorted({j for ligne in lignes for j in ligne}):
        rang = min((r for r in libres if lignes[r].get(colonne)), default=None)
        if rang is None:
            continue
        libres.discard(rang)
        pivot = lignes[rang]
        tete = pivot[colonne]
        for r, ligne in enumerate(lignes):
            facteur = ligne.get(colonne)
            if r == rang or not facteur:
                continue
            combinee = {j: tete * ligne.get(j, 0) - facteur * pivot.get(j, 0) for j in ligne.keys() | pivot.keys()}
            combinee = {j: x for j, x in combinee.items() if x}
            diviseur = math.gcd(*combinee.values()) if combinee else 1
            lignes[r] = {j: x // diviseur for j, x in combinee.items()}
        pivots[colonne] = rang
    return [colonne for colonne, rang in pivots.items() if len(lignes[rang]) == 1]
