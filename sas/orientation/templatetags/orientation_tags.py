from django import template

from sas.orientation.models import Statut
from sas.orientation.services import propositions_ouvertes

register = template.Library()

# Where the referral stands, as the young person reads it.
EN_CLAIR = {
    Statut.ENVOYEE: "elle est envoyée, la structure va vous répondre",
    Statut.VUE: "la structure l'a lue et va vous répondre",
    Statut.ACCEPTEE: "la structure est d'accord pour vous recevoir",
    Statut.RDV_FIXE: "vous avez un premier rendez-vous avec la structure",
    Statut.PRISE_EN_CHARGE: "la structure vous accompagne",
    Statut.REFUSEE: "la structure ne peut pas vous recevoir : votre conseiller cherche une autre solution avec vous",
    Statut.EXPIREE: "la structure n'a pas répondu : votre conseiller cherche une autre solution avec vous",
    Statut.ANNULEE: "elle est annulée",
}


@register.inclusion_tag("orientation/_jeune_tag.html")
def orientation_du_jeune(parcours, lien):
    """On the young person's page: a way to the services proposed to them and to their referral, when there is one."""
    orientation = parcours.orientations.select_related("structure").first()
    return {
        "lien": lien,
        "propositions": propositions_ouvertes(parcours).count(),
        "orientation": orientation,
        "ou_en_est": EN_CLAIR.get(orientation.statut, "") if orientation else "",
    }
