from django import template

from sas.orientation.models import OrientationStatus
from sas.orientation.services import propositions_ouvertes

register = template.Library()

# Where the referral stands, as the young person reads it.
AUTRE_SOLUTION = "votre conseiller cherche une autre solution avec vous"
EN_CLAIR = {
    OrientationStatus.ENVOYEE: "elle est envoyée, la structure va vous répondre",
    OrientationStatus.VUE: "la structure l'a lue et va vous répondre",
    OrientationStatus.ACCEPTEE: "la structure est d'accord pour vous recevoir",
    OrientationStatus.RDV_FIXE: "vous avez un premier rendez-vous avec la structure",
    OrientationStatus.PRISE_EN_CHARGE: "la structure vous accompagne",
    OrientationStatus.REFUSEE: f"la structure ne peut pas vous recevoir : {AUTRE_SOLUTION}",
    OrientationStatus.EXPIREE: f"la structure n'a pas répondu : {AUTRE_SOLUTION}",
    OrientationStatus.ANNULEE: "elle est annulée",
}


@register.inclusion_tag("orientation/_jeune_tag.html")
def orientation_du_jeune(parcours, lien):
    """On the young person's page: a way to the services proposed to them and to their referral, when there is one."""
    orientation = parcours.orientations.select_related("structure").first()
    return {
        "lien": lien,
        "propositions": propositions_ouvertes(parcours).count(),
        "orientation": orientation,
        "ou_en_est": EN_CLAIR.get(orientation.status, "") if orientation else "",
    }
