from django import template

from sas.orientation.services import propositions_ouvertes

register = template.Library()


@register.inclusion_tag("orientation/_jeune_tag.html")
def orientation_du_jeune(parcours, lien):
    """On the young person's page: a way to the services proposed to them and to their referral, when there is one."""
    return {
        "lien": lien,
        "propositions": propositions_ouvertes(parcours).count(),
        "orientation": parcours.orientations.select_related("structure").first(),
    }
