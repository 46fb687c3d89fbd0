"""Bearer links in messages, provided by the apps that own them (messagerie knows no step).

Two kinds, registered when those apps are ready:
- the young person's link (`fournir_lien_jeune`): an object with `creer(parcours, at)` (a link with `token`,
  `revoked_at`, `code_verification()`) and `contexte(lien)` (the template values naming it: lien, code, stop,
  adresse_code);
- a link built at sending only (`enregistrer(nature, rendu)`): `rendu.preparer(message, at)` returns None when
  the message must not go any more, else an object with `remplacements` (mask → value, put in the text as it
  leaves), `envoye(at)` and `echoue(at, erreur)` (called once the provider answered).
The stored text keeps the masks: staff never read a token."""

_rendus = {}
_lien_jeune = []


class RenduInconnu(LookupError):
    pass


def enregistrer(nature, rendu):
    _rendus[nature] = rendu


def rendu(nature):
    try:
        return _rendus[nature]
    except KeyError:
        raise RenduInconnu(f"Aucun rendu de lien enregistré pour « {nature} ».") from None


def fournir_lien_jeune(fournisseur):
    _lien_jeune[:] = [fournisseur]


def lien_jeune():
    if not _lien_jeune:
        raise RenduInconnu("Aucun fournisseur du lien personnel du jeune n'est enregistré.")
    return _lien_jeune[0]
