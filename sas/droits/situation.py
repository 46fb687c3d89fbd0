"""From a diagnostic's answers to an OpenFisca-France situation, and from OpenFisca's answer to what SAS shows.

Only the variables and the month needed are asked. What the diagnostic does not say is assumed the plainest way and
written here: the situation of today (activity, housing) held over the last 12 months, incomes spread evenly over
them and going on in the month screened (else the RSA and the prime d'activité neutralise them as if the job had just
ended), no income before them (given as 0, with the household's revenu fiscal de référence of those years: else
OpenFisca works out years of payroll contributions and tax returns back to zero), taxable pay taken as the net pay
(the aide au logement reads taxable pay), children aged 5, a partner born the same day as the young person. An
estimate is never a decision: the page says whom to ask."""

import dataclasses
import datetime

ENTREES = {
    "revenus_travail_12_mois",
    "chomage_12_mois",
    "logement_statut",
    "loyer",
    "en_couple",
    "revenus_conjoint_12_mois",
    "enfants_nombre",
    "etudiant",
    "cej_en_cours",
    "foyer_fiscal_impot",
}
TRANCHES = {"non_imposable": 0, "premiere_tranche": 1, "au_dela": 2}
AGE_ENFANTS = 5
# How far back OpenFisca reads incomes from the month screened: the CSS reads the AAH of the year before, the AAH
# the incomes of two years before, the CSG on unemployment benefit the tax return of two years before that.
ANNEES_HISTORIQUE = 6


@dataclasses.dataclass(frozen=True)
class Droit:
    code: str  # as in the questionnaire's "droits à vérifier"
    label: str
    contact: str
    variable: str
    entite: str
    cle: str
    explication: str  # what it is, in the words of the young person's page


CAF = "la CAF (ou la MSA)"
DROITS = [
    Droit(
        "rsa",
        "Revenu de solidarité active (RSA)",
        CAF,
        "rsa",
        "familles",
        "famille",
        "de l'argent chaque mois pour vivre quand on a peu ou pas de revenus",
    ),
    Droit(
        "prime_activite",
        "Prime d'activité",
        CAF,
        "ppa",
        "familles",
        "famille",
        "un complément chaque mois quand on travaille et qu'on gagne peu",
    ),
    Droit(
        "aides_logement",
        "Aide au logement",
        CAF,
        "aide_logement",
        "familles",
        "famille",
        "une aide pour payer le loyer",
    ),
    Droit(
        "css",
        "Complémentaire santé solidaire",
        "l'Assurance maladie (CPAM)",
        "cmu_c",
        "familles",
        "famille",
        "une mutuelle : elle paie ce que la Sécurité sociale ne rembourse pas chez le médecin, le dentiste…",
    ),
    Droit(
        "cej",
        "Allocation du contrat d'engagement jeune",
        "la Mission locale ou France Travail",
        "contrat_engagement_jeune",
        "individus",
        "jeune",
        "de l'argent chaque mois pendant un accompagnement vers un métier (contrat d'engagement jeune, CEJ)",
    ),
]
PARTICIPATION_CSS = "css_participation_forfaitaire"


def _mois(d):
    return f"{d.year:04d}-{d.month:02d}"


def _mois_precedents(mois, n):
    year, month = map(int, mois.split("-"))
    out = []
    for _ in range(n):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append(f"{year:04d}-{month:02d}")
    return out


def _nombre(reponses, code):
    try:
        return max(float(reponses.get(code) or 0), 0.0)
    except (TypeError, ValueError):
        return 0.0


def _douze_mois_et(mois):
    """The month screened and the 12 before: the benefits read their last 3 months, and the CEJ the benefits of
    the 3 months before it, each over its own last 3 months."""
    return [mois, *_mois_precedents(mois, 12)]


def _historique(mois):
    """The years from ANNEES_HISTORIQUE back, then the months, before the 12 before `mois`: whole years in one value
    each (OpenFisca spreads them over their months), which keeps a batch of many persons light."""
    year, month = map(int, mois.split("-"))
    annees = [f"{annee:04d}" for annee in range(year - ANNEES_HISTORIQUE, year - 1)]
    return annees + [f"{year - 1:04d}-{m:02d}" for m in range(1, month)]


def _par_mois(total, mois):
    return dict.fromkeys(_historique(mois), 0) | dict.fromkeys(_douze_mois_et(mois), round(total / 12, 2))


def _revenus(travail=0.0, chomage=0.0, *, mois):
    """Every income OpenFisca would otherwise work out from gross pay, month by month over the years it reads."""
    return {
        "salaire_net": _par_mois(travail, mois),
        "salaire_imposable": _par_mois(travail, mois),
        "chomage_net": _par_mois(chomage, mois),
        "chomage_imposable": _par_mois(chomage, mois),
    }


def mois_de(at):
    return _mois(at)


def construire(reponses, *, date_naissance, depcom, mois):
    """The situation to POST to /calculate for the month `mois` ("YYYY-MM")."""
    oui = {code for code in ("en_couple", "etudiant", "cej_en_cours") if reponses.get(code) == "oui"}
    travail = _nombre(reponses, "revenus_travail_12_mois")
    activite = "etudiant" if "etudiant" in oui else "actif" if travail else "chomeur"
    jeune = {
        "date_naissance": {"ETERNITY": date_naissance.isoformat()},
        "activite": dict.fromkeys(_douze_mois_et(mois), activite),
        **_revenus(travail, _nombre(reponses, "chomage_12_mois"), mois=mois),
        "contrat_engagement_jeune": {mois: None},
    }
    individus = {"jeune": jeune}
    parents = ["jeune"]
    if "en_couple" in oui:
        individus["conjoint"] = {
            "date_naissance": {"ETERNITY": date_naissance.isoformat()},
            **_revenus(_nombre(reponses, "revenus_conjoint_12_mois"), mois=mois),
        }
        parents.append("conjoint")
    year, month = map(int, mois.split("-"))
    naissance_enfant = datetime.date(year - AGE_ENFANTS, month, 1).isoformat()
    enfants = [f"enfant_{i}" for i in range(1, int(_nombre(reponses, "enfants_nombre")) + 1)]
    for enfant in enfants:
        individus[enfant] = {"date_naissance": {"ETERNITY": naissance_enfant}, **_revenus(mois=mois)}
    famille = {"parents": parents, "enfants": enfants}
    famille.update({v: {mois: None} for v in ("rsa", "ppa", "aide_logement", "cmu_c", PARTICIPATION_CSS)})
    # No income in those years: their revenu fiscal de référence is 0 (the years OpenFisca reads back from `mois`).
    foyer = {
        "declarants": parents,
        "personnes_a_charge": enfants,
        "rfr": {str(annee): 0 for annee in range(year - ANNEES_HISTORIQUE, year - 1)},
    }
    if (tranche := TRANCHES.get(reponses.get("foyer_fiscal_impot"))) is not None:
        foyer["ir_tranche"] = {str(year - 2): tranche}
    menage = {
        "personne_de_reference": ["jeune"],
        "conjoint": parents[1:],
        "enfants": enfants,
        "statut_occupation_logement": dict.fromkeys(
            _douze_mois_et(mois), reponses.get("logement_statut") or "non_renseigne"
        ),
        "loyer": dict.fromkeys(_douze_mois_et(mois), _nombre(reponses, "loyer")),
    }
    if depcom:
        menage["depcom"] = {mois: depcom}
    return {
        "individus": individus,
        "familles": {"famille": famille},
        "foyers_fiscaux": {"foyer": foyer},
        "menages": {"menage": menage},
    }


@dataclasses.dataclass(frozen=True)
class Resultat:
    droit: Droit
    montant: float  # per month; for the CSS, the monthly participation (0: free)
    eligible: bool
    deja_percu: bool = False

    @property
    def texte(self):
        if self.deja_percu:
            return "déjà perçu"
        if not self.eligible:
            return "probablement pas"
        if self.droit.code == "css":
            if self.montant:
                return f"probablement éligible, avec une participation d'environ {self.montant:.0f} € par mois"
            return "probablement éligible, gratuite"
        return f"probablement éligible : environ {self.montant:.0f} € par mois"

    @property
    def texte_jeune(self):
        """For the young person: what they may get, never said as granted."""
        if self.droit.code == "css":
            if self.montant:
                return f"Vous y avez probablement droit, pour environ {self.montant:.0f} € par mois."
            return "Vous y avez probablement droit, gratuitement."
        return f"Vous y avez probablement droit : environ {self.montant:.0f} € par mois."


def lire(reponse, reponses, mois):
    """[Resultat] from OpenFisca's answer to `construire`'s situation."""
    out = []
    for droit in DROITS:
        valeur = reponse[droit.entite][droit.cle][droit.variable][mois]
        if droit.code == "css":
            participation = round(float(reponse["familles"]["famille"][PARTICIPATION_CSS][mois] or 0), 2)
            out.append(Resultat(droit, participation, bool(valeur) or participation > 0))
            continue
        montant = round(float(valeur or 0), 2)
        deja = droit.code == "cej" and reponses.get("cej_en_cours") == "oui"
        out.append(Resultat(droit, montant, montant > 0, deja_percu=deja))
    return out
