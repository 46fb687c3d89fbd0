from django import template

from .. import services

register = template.Library()


@register.inclusion_tag("droits/_estimation.html")
def droits_probables(diagnostic):
    """The latest rights screening of a diagnostic, for the counsellor."""
    estimation = services.derniere(diagnostic)
    return {"estimation": estimation, "resultats": services.resultats(estimation)}


@register.inclusion_tag("droits/_jeune.html")
def droits_du_jeune(parcours, token, *, verifie, plie=True):
    """The young person's probable rights: folded on their page, shown once this browser session proved it is them
    (amounts tell about their income), else a link to that check. Nothing when nothing was screened."""
    estimation = services.derniere_du_parcours(parcours)
    return {
        "estimation": estimation,
        "droits": services.pour_le_jeune(estimation) if verifie else None,
        "verifie": verifie,
        "token": token,
        "plie": plie,
    }
