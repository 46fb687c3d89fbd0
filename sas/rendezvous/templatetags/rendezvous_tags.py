from django import template
from django.urls import reverse
from django.utils import timezone

from sas.permissions import is_aiguilleur_of

from ..forms import ReservationForm
from ..services import creneaux_disponibles

register = template.Library()


@register.inclusion_tag("rendezvous/rendezvous_du_parcours.html")
def rendezvous_du_parcours(parcours, user):
    """The journey's appointments and a form to book one of the next free slots; for the territory's team only."""
    if not is_aiguilleur_of(user, parcours):
        return {"is_aiguilleur": False}
    now = timezone.now()
    return {
        "is_aiguilleur": True,
        "parcours": parcours,
        "rendez_vous": list(parcours.rendez_vous.select_related("creneau__conseiller").order_by("-creneau__debut")),
        "form": ReservationForm(creneaux=creneaux_disponibles(parcours, at=now)),
        "now": now,
        "suite": reverse("parcours:detail", args=[parcours.uuid]),
    }
