from django import template

from sas.permissions import is_aiguilleur_of

register = template.Library()


@register.inclusion_tag("diagnostic/_parcours_tag.html", takes_context=True)
def diagnostic_du_parcours(context, parcours, user):
    """The journey page's diagnostic section, for the counsellors of its territory only (prescribers never see
    diagnostic content): start, resume or read it, and the immediate-orientation flag."""
    if not is_aiguilleur_of(user, parcours):
        return {"visible": False}
    # One query: the open diagnostic first, else the latest completed one.
    diagnostic = min(
        parcours.diagnostics.only(
            "pk",
            "parcours",
            "status",
            "started_at",
            "completed_at",
            "orientation_immediate",
            "validation_jeune",
            "reponses_jeune",
        ),
        key=lambda d: (d.status != "brouillon", -(d.completed_at or d.started_at).timestamp()),
        default=None,
    )
    return {"visible": True, "parcours": parcours, "diagnostic": diagnostic, "csrf_token": context.get("csrf_token")}
