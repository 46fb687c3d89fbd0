"""The territory queue's tabs: where a journey stands for the SAS team, from its status."""

import dataclasses

from sas.parcours.status import CLOSED, Status


@dataclasses.dataclass(frozen=True)
class Groupe:
    cle: str
    libelle: str
    statuts: frozenset


S = Status
# The queue's tabs: every status is in exactly one, and a closed journey only under "Clos".
GROUPES = [
    # Nobody has reached them yet, or they are back with the counsellor (a refused referral, a dropout).
    Groupe(
        "a_traiter",
        "À traiter",
        frozenset({S.SORTIE_A_VENIR, S.SIGNALE, S.A_CONTACTER, S.ORIENTATION_REFUSEE, S.ABANDON}),
    ),
    Groupe(
        "en_cours",
        "En cours",
        frozenset(
            {
                S.CONTACT_EN_COURS,
                S.CONTACTE,
                S.DIAGNOSTIC_FAIT,
                S.ORIENTATION_PROPOSEE,
                S.ORIENTATION_ENVOYEE,
                S.ACCEPTEE_PAR_STRUCTURE,
                S.PREMIER_RDV,
            }
        ),
    ),
    Groupe("en_suivi", "En suivi", frozenset({S.PRIS_EN_CHARGE, S.SUIVI})),
    Groupe("clos", "Clos", CLOSED),
]
GROUPES_PAR_CLE = {groupe.cle: groupe for groupe in GROUPES}
A_TRAITER = "a_traiter"
