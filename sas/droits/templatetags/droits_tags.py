from django import template

from .. import services

register = template.Library()


@register.inclusion_tag("droits/_estimation.html")
def droits_probables(diagnostic):
    """The latest rights screening of a diagnostic, for the counsellor."""
    estimation = services.derniere(diagnostic)
    return {"estimation": estimation, "resultats": services.resultats(estimation)}
