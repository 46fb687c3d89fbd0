"""Rights screening: the diagnostic's answers → OpenFisca → what the counsellor reads ("probablement éligible")."""

from django.utils import timezone

from . import openfisca, situation
from .models import Estimation


def estimer(diagnostic, *, at=None):
    """Screen the rights of a diagnostic for the month of `at`, and keep the screening (even a failed one: the page
    then says the estimate is unavailable, never 0 €)."""
    at = at or timezone.now()
    jeune = diagnostic.parcours.jeune
    mois = situation.mois_de(timezone.localtime(at))
    entrees = situation.construire(
        diagnostic.reponses,
        date_naissance=jeune.date_naissance,
        depcom=jeune.commune_id or "",
        mois=mois,
    )
    estimation = Estimation(diagnostic=diagnostic, mois=mois, entrees=entrees, calculee_le=at)
    try:
        estimation.reponse, estimation.version_openfisca = openfisca.calculer(entrees)
    except openfisca.Indisponible as error:
        estimation.erreur = str(error)[:500]
    estimation.save()
    return estimation


def resultats(estimation):
    """[situation.Resultat] of a screening that succeeded, else None."""
    if estimation is None or not estimation.disponible:
        return None
    return situation.lire(estimation.reponse, estimation.diagnostic.reponses, estimation.mois)


def derniere(diagnostic):
    return diagnostic.estimations.first()


def derniere_du_parcours(parcours):
    """The latest screening of any diagnostic of the journey (the young person's page has no diagnostic in hand)."""
    return Estimation.objects.filter(diagnostic__parcours=parcours).select_related("diagnostic").first()


def pour_le_jeune(estimation):
    """(probable rights, the others) of a screening that succeeded, else None; a right already received is neither
    (the page says nothing new about it)."""
    tous = resultats(estimation)
    if tous is None:
        return None
    probables = [r for r in tous if r.eligible and not r.deja_percu]
    autres = [r for r in tous if not r.eligible and not r.deja_percu]
    return probables, autres
