"""The one action a counsellor is expected to take next on a journey, for the primary button of its page."""

import dataclasses

from django.urls import reverse

from .status import CLOSED, Status

S = Status


@dataclasses.dataclass(frozen=True)
class ProchaineAction:
    label: str
    url_name: str = ""  # a page of the journey (reversed with its uuid), else an anchor of the journey page
    ancre: str = ""

    def url(self, parcours):
        return reverse(self.url_name, args=[parcours.uuid]) if self.url_name else f"#{self.ancre}"


_CONTACT = ProchaineAction("Envoyer le premier message", ancre="contact")
_ORIENTATION = ProchaineAction("Proposer des structures", url_name="orientation:parcours")
_SUIVI_ORIENTATION = ProchaineAction("Suivre l'orientation", url_name="orientation:parcours")
_SUIVI = ProchaineAction("Noter le suivi", ancre="statut")
_BY_STATUS = {
    S.SORTIE_A_VENIR: ProchaineAction("Proposer une rencontre tripartite", url_name="prescription:rencontre_proposer"),
    S.SIGNALE: _CONTACT,
    S.A_CONTACTER: _CONTACT,
    S.CONTACT_EN_COURS: ProchaineAction("Noter un appel", ancre="contact"),
    S.DIAGNOSTIC_FAIT: _ORIENTATION,
    S.ORIENTATION_REFUSEE: _ORIENTATION,
    S.ORIENTATION_PROPOSEE: _SUIVI_ORIENTATION,
    S.ORIENTATION_ENVOYEE: _SUIVI_ORIENTATION,
    S.ACCEPTEE_PAR_STRUCTURE: _SUIVI_ORIENTATION,
    S.PREMIER_RDV: _SUIVI,
    S.PRIS_EN_CHARGE: _SUIVI,
    S.SUIVI: _SUIVI,
    S.ABANDON: ProchaineAction("Relancer le contact", ancre="statut"),
}


def prochaine_action(status, *, diagnostic_commence=False):
    """The next expected action for a journey in `status`; None when nothing more is expected (closed)."""
    if status in CLOSED:
        return None
    if status == S.CONTACTE:
        label = "Reprendre le diagnostic" if diagnostic_commence else "Commencer le diagnostic"
        return ProchaineAction(label, url_name="diagnostic:parcours")
    return _BY_STATUS[status]
