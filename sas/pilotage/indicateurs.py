"""The pilots' dashboard from plain records of journeys: pure functions, no database. `synthese()` sums up one journey
whatever the day; the database adds these syntheses up on the dashboard's day (donnees.comptes()) and
`tableau_de_bord()` makes the figures of those sums.

The cohort is the journeys signalled in the period. A delay target counts a journey only once its delay has run out
(a mature cohort, as RDV-Insertion computes its delays): the current month does not look bad by construction.
Every count of people of every table goes through one `proteger()` call, with the relations that tie the tables
together (a breakdown's column totals are the funnel's cells), so that no hidden cell can be worked out by sums or
differences across the whole page. Definitions in plain French: templates/pilotage/definitions.html.
"""

import calendar
import collections
import dataclasses
import datetime
from collections import Counter

from django.utils import timezone

from sas.aiguillage.indicators import Part, jalons
from sas.droits.situation import DROITS
from sas.jeunes.models import TrancheAge
from sas.organisations.models import OrganisationKind
from sas.orientation.models import OrientationStatus, Reason
from sas.parcours.indicators import SMALL_COUNT
from sas.parcours.status import Status
from sas.secret_statistique import TOTAL, proteger, taux_publiable
from sas.suivi.models import NatureSortie, ReponseDroit
from sas.suivi.services import mesurer_recours

SOURCES = {"prescripteur": "Professionnels", "proche": "Proches", "jeune": "Jeunes eux-mêmes"}
PRESCRIPTEURS = [
    OrganisationKind.ASE,
    OrganisationKind.SPIP,
    OrganisationKind.MISSION_LOCALE,
    OrganisationKind.ECOLE,
    OrganisationKind.ASSOCIATION,
]
# The funnel's stages: each reached by a status of the journey (or any later stage).
ETAPES = [
    ("Signalés", None),
    ("Contactés", Status.CONTACTE),
    ("Diagnostic fait", Status.DIAGNOSTIC_FAIT),
    ("Orientés", Status.ORIENTATION_ENVOYEE),
    ("Pris en charge", Status.PRIS_EN_CHARGE),
    ("Toujours accompagnés à 6 mois", None),
]
ARRETS = [
    "Pas encore contactés",
    "Contactés, sans diagnostic",
    "Diagnostic fait, pas orientés",
    "Orientés, pas pris en charge",
    "Pris en charge, pas encore 6 mois ou plus accompagnés",
]
# Still supported: taken in charge, followed, or gone out positively (a positive exit ends the support well).
ACCOMPAGNE = frozenset({Status.PRIS_EN_CHARGE, Status.SUIVI, Status.SUIVI_TERMINE, Status.SORTI_POSITIF})
ISSUES = {
    "prise_en_charge": "Prise en charge confirmée",
    "acceptee": "Acceptée, en attente de prise en charge",
    "refusee": "Refusée",
    "expiree": "Expirée (sans réponse en 15 jours)",
    "annulee": "Annulée",
    "en_attente": "En attente de réponse",
}
_ISSUE_DU_STATUT = {
    OrientationStatus.ENVOYEE: "en_attente",
    OrientationStatus.VUE: "en_attente",
    OrientationStatus.ACCEPTEE: "acceptee",
    OrientationStatus.RDV_FIXE: "acceptee",
    OrientationStatus.PRISE_EN_CHARGE: "prise_en_charge",
    OrientationStatus.REFUSEE: "refusee",
    OrientationStatus.EXPIREE: "expiree",
    OrientationStatus.ANNULEE: "annulee",
}
DELAI_PRISE_EN_CHARGE = datetime.timedelta(days=15)
MOIS_SUIVI = (1, 3, 6)
NON_RENSEIGNE = "Non renseigné"
# The young person's answers on a right (first person on their page), said of them on the dashboard.
REPONSES_DROIT = {
    ReponseDroit.DEJA: "Déjà perçu",
    ReponseDroit.DEMANDE: "Demandé",
    ReponseDroit.REFUSE: "Refusé",
    ReponseDroit.PAS_FAIT: "Pas encore demandé",
}


@dataclasses.dataclass(frozen=True)
class Evenement:
    """What the indicators read of a ParcoursEvent (a model instance fits too)."""

    kind: str
    from_status: str
    to_status: str
    occurred_at: datetime.datetime


@dataclasses.dataclass(frozen=True)
class Envoi:
    """A referral: its receiving structure and its transitions in date order [(statut, date, motif)]."""

    structure: str
    transitions: tuple

    @property
    def envoyee_le(self):
        return next((at for status, at, _m in self.transitions if status == OrientationStatus.ENVOYEE), None)

    def atteint(self, status):
        return next((at for s, at, _m in self.transitions if s == status), None)

    @property
    def issue(self):
        return _ISSUE_DU_STATUT[self.transitions[-1][0]]

    @property
    def motif_refus(self):
        return next((m for s, _at, m in self.transitions if s == OrientationStatus.REFUSEE), "")


@dataclasses.dataclass(frozen=True)
class Dossier:
    """One journey of the cohort, as the dashboard reads it: no name, no contact detail."""

    signale_le: datetime.datetime
    source: str  # a key of SOURCES
    evenements: tuple  # Evenement (transitions, contact attempts, messages) in date order
    organisation_id: int | None = None
    type_prescripteur: str = ""
    tranche_age: str = ""
    sexe: str = ""
    qpv: bool | None = None
    rencontre: bool = False
    sortie_nature: str = ""  # a NatureSortie of its latest positive exit, "" when not told
    droits_probables: tuple | None = None  # codes of its latest screening's probable rights; None: never screened

    @property
    def sortie_a_venir(self):
        return bool(self.evenements) and self.evenements[0].to_status == Status.SORTIE_A_VENIR

    def premiere_fois(self, status):
        return next((e.occurred_at for e in self.evenements if e.kind == "transition" and e.to_status == status), None)

    def statut_le(self, moment):
        status = ""
        for e in self.evenements:
            if e.kind == "transition" and e.occurred_at <= moment:
                status = e.to_status
        return status


def mois_apres(moment, n):
    """Same day `n` months later (the last day of that month when it is shorter), in local time."""
    local = timezone.localtime(moment)
    index = local.month - 1 + n
    year, month = local.year + index // 12, index % 12 + 1
    return local.replace(year=year, month=month, day=min(local.day, calendar.monthrange(year, month)[1]))


def mois(moment):
    """The local month of `moment`, "AAAA-MM"."""
    return f"{timezone.localtime(moment):%Y-%m}"


def accompagne_le(dossier, n):
    """(the day `n` months after the journey's first take-up, whether it was still supported that day), or None when
    it was never taken in charge. For a day still to come, whether it is so far: only a later event changes it."""
    debut = dossier.premiere_fois(Status.PRIS_EN_CHARGE)
    if debut is None:
        return None
    jour = mois_apres(debut, n)
    return jour, dossier.statut_le(jour) in ACCOMPAGNE


def etape_avant_six_mois(dossier):
    """The index in ETAPES of the furthest stage the journey reached, up to the take-up."""
    atteints = {e.to_status for e in dossier.evenements if e.kind == "transition"}
    return max((i for i, (_l, s) in enumerate(ETAPES) if s in atteints), default=0)


def synthese(dossier):
    """What the dashboard counts of one journey whatever the day (models.Synthese's fields): the dashboard compares
    the dates with its own day. A delay target counts a journey once its deadline passed."""
    valeurs = {
        "signale_le": dossier.signale_le,
        "mois": mois(dossier.signale_le),
        "source": dossier.source,
        "organisation_id": dossier.organisation_id,
        "type_prescripteur": dossier.type_prescripteur,
        "tranche_age": dossier.tranche_age,
        "sexe": dossier.sexe,
        "qpv": dossier.qpv,
        "sortie_a_venir": dossier.sortie_a_venir,
        "rencontre": dossier.rencontre,
        "etape": etape_avant_six_mois(dossier),
        "sortie_positive": dossier.premiere_fois(Status.SORTI_POSITIF) is not None,
        "sortie_nature": dossier.sortie_nature if dossier.sortie_nature in NatureSortie.values else "",
        "droits_estimes": dossier.droits_probables is not None,
        "droit_probable": bool(dossier.droits_probables),
    }
    for n in MOIS_SUIVI:
        jour, accompagne = accompagne_le(dossier, n) or (None, False)
        valeurs |= {f"suivi_{n}_le": jour, f"accompagne_{n}": accompagne}
    j = jalons(dossier.evenements)
    if j is not None:
        valeurs |= {
            "limite_premier_essai": j.limite_premier_essai,
            "premier_essai_a_temps": bool(j.premier_essai and j.premier_essai <= j.limite_premier_essai),
            "limite_contact": j.limite_contact,
            "contact_a_temps": bool(j.contacte and j.contacte <= j.limite_contact),
            "injoignable": bool(j.injoignable),
            "limite_diagnostic": j.limite_diagnostic,
            "diagnostic_a_temps": bool(j.diagnostic and j.diagnostic <= j.limite_diagnostic),
            "delai_contact": (j.contacte - j.debut).total_seconds() / 86400 if j.contacte else None,
        }
    return valeurs


# Figures


@dataclasses.dataclass
class Tableau:
    """A table of counts: `lignes` [(label, [key of the protected block])], every key protected together."""

    slug: str
    titre: str
    entete: str  # the rows' header
    colonnes: list
    lignes: list
    denominateur: str
    definition: str  # anchor on the definitions page
    cellules: dict = dataclasses.field(default_factory=dict)

    def rangs(self):
        """[(label, [Cellule, or None where the table has no such cell])]."""
        return [(label, [self.cellules.get(k) for k in keys]) for label, keys in self.lignes]


@dataclasses.dataclass(frozen=True)
class Delais:
    """Days from the start of the clock to the contact: shown only from SMALL_COUNT journeys on."""

    mediane: float | None
    p90: float | None
    effectif: int


def _delais(effectif, mediane, p90):
    if effectif < SMALL_COUNT:
        return Delais(None, None, effectif)
    return Delais(round(mediane, 1), round(p90, 1), effectif)


def _part_mure(items, now):
    """items: [(deadline, met in time)]; only those whose deadline passed count."""
    mures = [ok for limite, ok in items if limite <= now]
    return Part(sum(mures), len(mures))


# H2's shares, counted by the database (donnees.comptes()): the mature targets and the joint meeting's effect.
PARTS_H2 = [
    "premier_essai_72h",
    "contact_15j",
    "diagnostic_1_mois",
    "injoignables",
    "rencontre_avec",
    "rencontre_sans",
]
# A group of journeys alike for the breakdowns: `stade` is the index in ETAPES of the furthest stage reached.
Profil = collections.namedtuple("Profil", ["source", "type_prescripteur", "tranche_age", "sexe", "qpv", "stade"])


@dataclasses.dataclass(frozen=True)
class Comptes:
    """The sums the database makes of the cohort's syntheses on the dashboard's day (donnees.comptes())."""

    profils: dict  # {Profil: journeys}
    mois: dict  # {(month "AAAA-MM", source): journeys}
    # {name: Part}: PARTS_H2, "suivi_<n>" for n in MOIS_SUIVI (H3), "avant_la_sortie" and "proches_et_jeunes" (H1)
    parts: dict
    sorties: dict  # {NatureSortie or "": journeys gone out positively}
    droits_estimes: int
    droit_probable: int
    # Days from the start of the clock to the contact of the journeys contacted: (their number, median, inclusive
    # 90th percentile), the percentiles None when none was contacted.
    delais: tuple
    organisations_actives: int  # prescribing organisations that signalled one of them


class _Bloc:
    """The counts of all tables and the sums that bind them, protected in one call."""

    def __init__(self):
        self.valeurs, self.relations = {}, []

    def tableau(self, prefixe, lignes, colonnes, effectif, *, total_lignes=None, total_colonnes=None, total=None):
        """A two-way table with margins; the margins may be keys of another table (shared cells)."""
        for ligne in lignes:
            for colonne in colonnes:
                self.valeurs[(prefixe, ligne, colonne)] = effectif(ligne, colonne)
        cle_ligne = {ligne: (prefixe, ligne, TOTAL) for ligne in lignes}
        cle_colonne = {c: (total_colonnes or {}).get(c, (prefixe, TOTAL, c)) for c in colonnes}
        cle_total = total or (prefixe, TOTAL, TOTAL)
        for ligne in lignes:
            self.valeurs[cle_ligne[ligne]] = sum(self.valeurs[(prefixe, ligne, c)] for c in colonnes)
            self.relations.append(([(prefixe, ligne, c) for c in colonnes], cle_ligne[ligne]))
        for c in colonnes:
            self.valeurs.setdefault(cle_colonne[c], sum(self.valeurs[(prefixe, ligne, c)] for ligne in lignes))
            self.relations.append(([(prefixe, ligne, c) for ligne in lignes], cle_colonne[c]))
        self.valeurs.setdefault(cle_total, sum(self.valeurs[cle_ligne[ligne]] for ligne in lignes))
        self.relations.append(([cle_ligne[ligne] for ligne in lignes], cle_total))
        self.relations.append(([cle_colonne[c] for c in colonnes], cle_total))
        return cle_ligne, cle_colonne, cle_total

    def proteger(self):
        return proteger(self.valeurs, self.relations)


def _lignes_croisees(prefixe, lignes, colonnes, cles, libelles=None):
    """The rows of a two-way table of _Bloc.tableau (`cles`, the keys it returned): each line, by its label in
    `libelles` if any, with its cells and its total, then the columns' totals."""
    cles_lignes, cles_colonnes, cle_total = cles
    libelles = libelles or {}
    return [
        *(
            (libelles.get(ligne, ligne), [*((prefixe, ligne, c) for c in colonnes), cles_lignes[ligne]])
            for ligne in lignes
        ),
        ("Total", [*(cles_colonnes[c] for c in colonnes), cle_total]),
    ]


def _mois_de(debut, fin):
    """Every month from `debut` to `fin` (dates, inclusive), "AAAA-MM"."""
    out, year, month = [], debut.year, debut.month
    while (year, month) <= (fin.year, fin.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _lignes_breakdown(profils, cle):
    return sorted({cle(p) for p, n in profils.items() if n})


_TRANCHES = dict(TrancheAge.choices)
_TYPES = dict(OrganisationKind.choices)
DIMENSIONS = {
    "age": ("Tranche d'âge", lambda d: _TRANCHES.get(d.tranche_age, NON_RENSEIGNE)),
    "sexe": ("Sexe", lambda d: {"f": "Femme", "h": "Homme"}.get(d.sexe, NON_RENSEIGNE)),
    "qpv": (
        "Habite un quartier prioritaire (QPV)",
        lambda d: NON_RENSEIGNE if d.qpv is None else ("Oui" if d.qpv else "Non"),
    ),
    "type": (
        "Origine du signalement",
        lambda d: _TYPES.get(d.type_prescripteur, "Professionnel") if d.source == "prescripteur" else SOURCES[d.source],
    ),
}


def tableau_de_bord(comptes, *, envois, recours, debut, fin, now, organisations_prescriptrices):
    """Every figure of the dashboard from `comptes` (the sums of the cohort signalled from month `debut` to month
    `fin`, dates), the cohort's referrals (Envoi) and answers on rights ((journey, droit, reponse, at)), and the
    number of prescribing organisations of the territory. Returns a dict the template and exports read."""
    profils = comptes.profils
    bloc = _Bloc()
    # The funnel: each stage = the next one + those who stopped there.
    for k in range(len(ETAPES)):
        bloc.valeurs[("etape", k)] = sum(n for p, n in profils.items() if p.stade >= k)
    for k in range(len(ARRETS)):
        bloc.valeurs[("arret", k)] = sum(n for p, n in profils.items() if p.stade == k)
        bloc.relations.append(([("etape", k + 1), ("arret", k)], ("etape", k)))
    # A breakdown's columns: the furthest stage, up to the take-up; their totals are funnel cells.
    colonnes_stade = [0, 1, 2, 3, 4]
    cle_stade = {k: ("arret", k) for k in range(4)} | {4: ("etape", 4)}
    tableaux = []
    for slug, (titre, cle) in DIMENSIONS.items():
        lignes = _lignes_breakdown(profils, cle)
        actor = Counter()
        for p, n in profils.items():
            actor[(cle(p), min(p.stade, 4))] += n
        cles = bloc.tableau(
            slug,
            lignes,
            colonnes_stade,
            lambda ligne, c, actor=actor: actor[(ligne, c)],
            total_colonnes=cle_stade,
            total=("etape", 0),
        )
        tableaux.append(
            Tableau(
                slug=slug,
                titre=f"Parcours selon {titre[0].lower()}{titre[1:]}, par étape la plus avancée",
                entete=titre,
                colonnes=[*ARRETS[:4], "Pris en charge", "Total"],
                lignes=_lignes_croisees(slug, lignes, colonnes_stade, cles),
                denominateur="parcours signalés dans la période",
                definition="etapes",
            )
        )
    # H1: signalements per month and source; the grand total is the funnel's first stage.
    liste_mois = _mois_de(debut, fin)
    par_mois = Counter(comptes.mois)
    cles_mois = bloc.tableau("mois", liste_mois, list(SOURCES), lambda m, s: par_mois[(m, s)], total=("etape", 0))
    h1_mois = Tableau(
        slug="mois",
        titre="Signalements par mois et par origine",
        entete="Mois",
        colonnes=[*SOURCES.values(), "Total"],
        lignes=_lignes_croisees("mois", liste_mois, list(SOURCES), cles_mois),
        denominateur="parcours signalés dans la période",
        definition="signalements",
    )
    # H3: referrals of the cohort by outcome, refusals by reason, and by receiving structure.
    envois = [e for e in envois if e.envoyee_le]
    structures = sorted({e.structure for e in envois})
    par_structure = Counter((e.structure, e.issue) for e in envois)
    cles_envois = bloc.tableau("structure", structures, list(ISSUES), lambda s, i: par_structure[(s, i)])
    cles_issues = cles_envois[1]
    motifs = Counter(e.motif_refus or "autre" for e in envois if e.issue == "refusee")
    labels_motifs = dict(Reason.choices)
    for motif, count in motifs.items():
        bloc.valeurs[("motif", motif)] = count
    if motifs:
        bloc.relations.append(([("motif", m) for m in motifs], cles_issues["refusee"]))
    reactivite = Tableau(
        slug="structures",
        titre="Orientations envoyées par structure d'accueil et par issue",
        entete="Structure d'accueil",
        colonnes=[*ISSUES.values(), "Total"],
        lignes=_lignes_croisees("structure", structures, list(ISSUES), cles_envois),
        denominateur="orientations envoyées pour les parcours signalés dans la période",
        definition="orientations",
    )
    refus = Tableau(
        slug="refus",
        titre="Orientations refusées, par motif",
        entete="Motif",
        colonnes=["Orientations"],
        lignes=[
            *((labels_motifs.get(m, m), [("motif", m)]) for m in sorted(motifs)),
            ("Total", [cles_issues["refusee"]]),
        ],
        denominateur="orientations refusées",
        definition="orientations",
    )
    entonnoir = Tableau(
        slug="entonnoir",
        titre="Du signalement à l'accompagnement durable",
        entete="Étape",
        colonnes=["Parcours arrivés à cette étape", "Arrêtés à cette étape"],
        lignes=[
            (label, [("etape", k), ("arret", k) if k < len(ARRETS) else None]) for k, (label, _s) in enumerate(ETAPES)
        ],
        denominateur="parcours signalés dans la période",
        definition="etapes",
    )
    sorties = _sorties(bloc, comptes)
    depistage = _depistage(bloc, comptes)
    recours = _recours(bloc, recours)
    cellules = bloc.proteger()
    tous = [entonnoir, h1_mois, *tableaux, reactivite, refus, sorties, depistage, recours]
    for t in tous:
        t.cellules = cellules
    return {
        "signales": cellules[("etape", 0)],
        "entonnoir": entonnoir,
        "tableaux": tous,
        "h1": _h1(comptes, organisations_prescriptrices, h1_mois),
        "h2": _h2(comptes),
        "h3": _h3(comptes, envois, now, reactivite, refus)
        | {
            # The rate and its denominator are cells of the exits' table: shown only when both are (a rate times
            # its denominator would give a hidden count back).
            "sorties_positives": None
            if cellules[("sortie", TOTAL)].masquee or cellules[("etape", 4)].masquee
            else Part(cellules[("sortie", TOTAL)].valeur, cellules[("etape", 4)].valeur),
            "sorties": sorties,
            "depistage": depistage,
            "recours": recours,
        },
        "repartitions": tableaux,
        "valeurs": bloc.valeurs,
        "relations": bloc.relations,
        "cellules": cellules,
    }


def _sorties(bloc, comptes):
    """Positive exits by kind. A positive exit comes only after a take-up: the exits and the others taken in charge
    add up to the funnel's "taken in charge" stage."""
    cles = [*NatureSortie.values, ""]
    sortis = sum(comptes.sorties.get(nature, 0) for nature in cles)
    for nature in cles:
        bloc.valeurs[("sortie", nature)] = comptes.sorties.get(nature, 0)
    bloc.valeurs[("sortie", TOTAL)] = sortis
    bloc.valeurs[("sortie", "sans")] = bloc.valeurs[("etape", 4)] - sortis
    bloc.relations.append(([("sortie", n) for n in cles], ("sortie", TOTAL)))
    bloc.relations.append(([("sortie", TOTAL), ("sortie", "sans")], ("etape", 4)))
    labels = dict(NatureSortie.choices) | {"": NON_RENSEIGNE}
    return Tableau(
        slug="sorties",
        titre="Sorties positives, par nature",
        entete="Nature de la sortie",
        colonnes=["Parcours"],
        lignes=[
            *((labels[n], [("sortie", n)]) for n in cles),
            ("Total des sorties positives", [("sortie", TOTAL)]),
            ("Pris en charge, sans sortie positive", [("sortie", "sans")]),
            ("Pris en charge", [("etape", 4)]),
        ],
        denominateur="parcours signalés dans la période et pris en charge",
        definition="sorties-positives",
    )


def _depistage(bloc, comptes):
    """Young people whose rights were screened, and those with at least one probable right: the screened and the
    others add up to the signalled journeys (the funnel's first stage)."""
    bloc.valeurs[("depistage", "probable")] = comptes.droit_probable
    bloc.valeurs[("depistage", "aucun")] = comptes.droits_estimes - comptes.droit_probable
    bloc.valeurs[("depistage", TOTAL)] = comptes.droits_estimes
    bloc.valeurs[("depistage", "sans")] = bloc.valeurs[("etape", 0)] - comptes.droits_estimes
    bloc.relations.append(([("depistage", "probable"), ("depistage", "aucun")], ("depistage", TOTAL)))
    bloc.relations.append(([("depistage", TOTAL), ("depistage", "sans")], ("etape", 0)))
    return Tableau(
        slug="depistage",
        titre="Estimation des droits",
        entete="Jeunes",
        colonnes=["Parcours"],
        lignes=[
            ("Au moins un droit probable", [("depistage", "probable")]),
            ("Aucun droit probable", [("depistage", "aucun")]),
            ("Droits estimés", [("depistage", TOTAL)]),
            ("Droits jamais estimés", [("depistage", "sans")]),
            ("Signalés", [("etape", 0)]),
        ],
        denominateur="parcours signalés dans la période",
        definition="droits-estimes",
    )


def _recours(bloc, recours):
    """Per right, the young people's latest answer at a check-in (suivi's mesurer_recours): a two-way table."""
    comptes = mesurer_recours(recours)
    labels = {droit.code: droit.label for droit in DROITS}
    lignes = sorted(comptes, key=lambda code: labels.get(code, code))
    cles = bloc.tableau("recours", lignes, list(REPONSES_DROIT), lambda droit, reponse: comptes[droit][reponse])
    return Tableau(
        slug="recours",
        titre="Recours aux droits estimés, d'après les jeunes aux points d'étape",
        entete="Droit",
        colonnes=[*REPONSES_DROIT.values(), "Total"],
        lignes=_lignes_croisees("recours", lignes, list(REPONSES_DROIT), cles, labels),
        denominateur="réponses des jeunes signalés dans la période, la dernière par jeune et par droit",
        definition="recours-droits",
    )


def _h1(comptes, organisations_prescriptrices, tableau):
    return {
        "mois": tableau,
        "prescripteurs_actifs": comptes.organisations_actives,
        "prescripteurs": organisations_prescriptrices,
        "avant_la_sortie": comptes.parts["avant_la_sortie"],
        "proches_et_jeunes": comptes.parts["proches_et_jeunes"],
    }


def _h2(comptes):
    return {nom: comptes.parts[nom] for nom in PARTS_H2} | {"delai_contact": _delais(*comptes.delais)}


def _h3(comptes, envois, now, reactivite, refus):
    acceptees = [e for e in envois if e.atteint(OrientationStatus.ACCEPTEE)]
    prises = [
        (e.envoyee_le + DELAI_PRISE_EN_CHARGE, bool(p and p <= e.envoyee_le + DELAI_PRISE_EN_CHARGE))
        for e in envois
        for p in [e.atteint(OrientationStatus.PRISE_EN_CHARGE)]
    ]
    suivis = {n: comptes.parts[f"suivi_{n}"] for n in MOIS_SUIVI}
    return {
        "envoyees": len(envois),
        "acceptees": Part(len(acceptees), len(envois)),
        "prise_en_charge_15j": _part_mure(prises, now),
        "suivis": [(n, f"Toujours accompagnés {n} mois après la prise en charge", suivis[n]) for n in MOIS_SUIVI],
        "structures": reactivite,
        "refus": refus,
    }


def affichable(part):
    return taux_publiable(part.atteints, part.mesures)
