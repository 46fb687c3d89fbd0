"""The funnel as an SVG drawn on the server: no script, no inline style (the CSP allows neither), DSFR colours.

A hidden cell gets no bar: its length would tell the count the table hides."""

import dataclasses

BLEU_FRANCE = "#000091"
GRIS = "#e5e5e5"
LARGEUR, HAUTEUR_BARRE, MARGE_GAUCHE, ECART = 640, 28, 230, 12


@dataclasses.dataclass(frozen=True)
class Barre:
    libelle: str
    texte: str
    y: int
    largeur: int  # 0 when the count is hidden

    @property
    def y_texte(self):
        return self.y + HAUTEUR_BARRE // 2 + 5

    @property
    def x_valeur(self):
        return MARGE_GAUCHE + self.largeur + 8


def entonnoir(rangs, *, ident="entonnoir", titre="Entonnoir des parcours signalés dans la période"):
    """rangs: [(label, Cellule)] from the widest stage; the bars, scaled on the first stage when it is shown.
    `ident` keeps the ids of several drawings of a page apart."""
    place = LARGEUR - MARGE_GAUCHE - 70
    base = rangs[0][1].valeur if rangs and not rangs[0][1].masquee else 0
    barres = []
    for i, (libelle, cellule) in enumerate(rangs):
        largeur = 0 if cellule.masquee or not base else round(place * cellule.valeur / base)
        barres.append(Barre(libelle, str(cellule), i * (HAUTEUR_BARRE + ECART), largeur))
    return {
        "barres": barres,
        "ident": ident,
        "titre": titre,
        "largeur": LARGEUR,
        "hauteur": len(rangs) * (HAUTEUR_BARRE + ECART),
        "hauteur_barre": HAUTEUR_BARRE,
        "marge": MARGE_GAUCHE,
        "fond": LARGEUR - MARGE_GAUCHE - 70,
        "bleu": BLEU_FRANCE,
        "gris": GRIS,
    }
