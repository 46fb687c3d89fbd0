"""The one thing the young person is expected to do now, shown first on their page. Later steps (the choice of a
service, the follow-up of a referral) know it better than this app: they register a provider at app ready, and
the first provider with something to ask wins over this app's own (accept, then book a slot)."""

from dataclasses import dataclass

ACCEPTER = "accepter"
RENDEZ_VOUS = "rendez_vous"


@dataclass(frozen=True)
class ActionAttendue:
    cle: str
    titre: str
    texte: str
    # For a provider's action: a button that leads to its page. This app's own actions are forms on the page.
    bouton: str = ""
    url: str = ""


_fournisseurs = []


def fournir(fournisseur):
    """Register `fournisseur(parcours, lien)` → ActionAttendue or None (idempotent)."""
    if fournisseur not in _fournisseurs:
        _fournisseurs.append(fournisseur)


def action_attendue(parcours, lien, *, a_accepte, peut_prendre_rendez_vous):
    for fournisseur in _fournisseurs:
        action = fournisseur(parcours, lien)
        if action is not None:
            return action
    if not a_accepte:
        return ActionAttendue(ACCEPTER, "Êtes-vous d'accord pour être aidé ?", "")
    if peut_prendre_rendez_vous:
        return ActionAttendue(RENDEZ_VOUS, "Choisissez un rendez-vous", "")
    return None
