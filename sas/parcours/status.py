"""The journey's state machine (DESIGN.md, "Journey and status model")."""

from django.db import models


class Status(models.TextChoices):
    SORTIE_A_VENIR = "sortie_a_venir", "Sortie à venir"
    SIGNALE = "signale", "Signalé"
    A_CONTACTER = "a_contacter", "À contacter"
    CONTACT_EN_COURS = "contact_en_cours", "Contact en cours"
    CONTACTE = "contacte", "Contacté"
    DIAGNOSTIC_FAIT = "diagnostic_fait", "Diagnostic fait"
    ORIENTATION_PROPOSEE = "orientation_proposee", "Orientation proposée"
    ORIENTATION_ENVOYEE = "orientation_envoyee", "Orientation envoyée"
    ACCEPTEE_PAR_STRUCTURE = "acceptee_par_structure", "Acceptée par la structure"
    PREMIER_RDV = "premier_rdv", "Premier rendez-vous"
    PRIS_EN_CHARGE = "pris_en_charge", "Pris en charge"
    SUIVI = "suivi", "Suivi"
    # The check-ins are done and the young person is still supported: nothing more is asked of anybody.
    SUIVI_TERMINE = "suivi_termine", "Suivi terminé, toujours accompagné"
    SORTI_POSITIF = "sorti_positif", "Sortie positive"
    # Side exits: each needs a reason.
    REFUS_DU_JEUNE = "refus_du_jeune", "Refus du jeune"
    INJOIGNABLE = "injoignable", "Injoignable"
    HORS_CIBLE = "hors_cible", "Hors cible"
    DEJA_ACCOMPAGNE = "deja_accompagne", "Déjà accompagné"
    ORIENTATION_REFUSEE = "orientation_refusee", "Orientation refusée"
    ABANDON = "abandon", "Abandon"
    CONSENTEMENT_RETIRE = "consentement_retire", "Consentement retiré"


S = Status
INITIAL = frozenset({S.SORTIE_A_VENIR, S.SIGNALE})
SIDE_EXITS = frozenset(
    {
        S.REFUS_DU_JEUNE,
        S.INJOIGNABLE,
        S.HORS_CIBLE,
        S.DEJA_ACCOMPAGNE,
        S.ORIENTATION_REFUSEE,
        S.ABANDON,
        S.CONSENTEMENT_RETIRE,
    }
)
# Out of the queues: nothing more is expected from the SAS team.
CLOSED = frozenset(
    {
        S.SORTI_POSITIF,
        S.SUIVI_TERMINE,
        S.REFUS_DU_JEUNE,
        S.INJOIGNABLE,
        S.HORS_CIBLE,
        S.DEJA_ACCOMPAGNE,
        S.CONSENTEMENT_RETIRE,
    }
)

_EARLY_EXITS = {S.HORS_CIBLE, S.DEJA_ACCOMPAGNE, S.REFUS_DU_JEUNE}

# Allowed moves. Withdrawing consent is possible from every status (added below).
_MOVES = {
    S.SORTIE_A_VENIR: {S.SIGNALE, S.A_CONTACTER, S.CONTACTE} | _EARLY_EXITS,
    S.SIGNALE: {S.A_CONTACTER} | _EARLY_EXITS,
    S.A_CONTACTER: {S.CONTACT_EN_COURS, S.CONTACTE} | _EARLY_EXITS,
    S.CONTACT_EN_COURS: {S.CONTACTE, S.INJOIGNABLE} | _EARLY_EXITS,
    S.CONTACTE: {S.DIAGNOSTIC_FAIT, S.ABANDON} | _EARLY_EXITS,
    S.DIAGNOSTIC_FAIT: {S.ORIENTATION_PROPOSEE, S.REFUS_DU_JEUNE, S.ABANDON},
    S.ORIENTATION_PROPOSEE: {S.ORIENTATION_ENVOYEE, S.ORIENTATION_REFUSEE, S.REFUS_DU_JEUNE, S.ABANDON},
    S.ORIENTATION_ENVOYEE: {S.ACCEPTEE_PAR_STRUCTURE, S.ORIENTATION_REFUSEE, S.ABANDON},
    S.ACCEPTEE_PAR_STRUCTURE: {S.PREMIER_RDV, S.ORIENTATION_REFUSEE, S.ABANDON},
    # The first meeting did not lead to take-up: back to the counsellor.
    S.PREMIER_RDV: {S.PRIS_EN_CHARGE, S.ORIENTATION_REFUSEE, S.ABANDON},
    S.PRIS_EN_CHARGE: {S.SUIVI, S.SORTI_POSITIF, S.ABANDON},
    S.SUIVI: {S.SUIVI_TERMINE, S.SORTI_POSITIF, S.ABANDON},
    # A job found later is still recorded; support that breaks later still goes back to the counsellor.
    S.SUIVI_TERMINE: {S.SORTI_POSITIF, S.ABANDON},
    S.SORTI_POSITIF: set(),
    # Back to aiguillage: the counsellor proposes another structure.
    S.ORIENTATION_REFUSEE: {S.ORIENTATION_PROPOSEE, S.REFUS_DU_JEUNE, S.ABANDON},
    # Remobilisation queue: contact is attempted again instead of closing the file, or the diagnostic is run
    # again, or another structure is proposed (the hand-off again).
    S.ABANDON: {S.A_CONTACTER, S.CONTACTE, S.ORIENTATION_PROPOSEE},
    # The young person may come back later.
    S.INJOIGNABLE: {S.A_CONTACTER},
    S.REFUS_DU_JEUNE: {S.A_CONTACTER},
    S.HORS_CIBLE: set(),
    S.DEJA_ACCOMPAGNE: set(),
    S.CONSENTEMENT_RETIRE: set(),
}
TRANSITIONS = {
    status: frozenset(targets | ({S.CONSENTEMENT_RETIRE} if status != S.CONSENTEMENT_RETIRE else set()))
    for status, targets in _MOVES.items()
}

# From the diagnostic to the take-up, in order: the hand-off to a structure.
HAND_OFF = (
    S.DIAGNOSTIC_FAIT,
    S.ORIENTATION_PROPOSEE,
    S.ORIENTATION_ENVOYEE,
    S.ACCEPTEE_PAR_STRUCTURE,
    S.PREMIER_RDV,
    S.PRIS_EN_CHARGE,
)

# The stages a prescriber follows (never the diagnostic content).
PRESCRIBER_MILESTONES = [
    S.CONTACTE,
    S.DIAGNOSTIC_FAIT,
    S.ORIENTATION_ENVOYEE,
    S.PRIS_EN_CHARGE,
    S.SUIVI,
    S.SUIVI_TERMINE,
    S.SORTI_POSITIF,
]
MAIN_STAGES = [S.CONTACTE, S.DIAGNOSTIC_FAIT, S.ORIENTATION_ENVOYEE, S.PRIS_EN_CHARGE, S.SORTI_POSITIF]


def allowed_targets(status):
    return sorted(TRANSITIONS[status], key=list(Status).index)
