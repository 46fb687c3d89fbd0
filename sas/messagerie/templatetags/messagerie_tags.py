from django import template

from sas.permissions import is_aiguilleur_of

from ..models import CanalInvalide

register = template.Library()


@register.inclusion_tag("messagerie/_messages_du_parcours.html", takes_context=True)
def messages_du_parcours(context, parcours):
    """The journey's messages, their status, the numbers or addresses to correct and the letters to print.
    Shown to the territory's aiguilleurs only."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not is_aiguilleur_of(user, parcours):
        return {"visible": False}
    return {
        "visible": True,
        "parcours": parcours,
        "messages": list(parcours.messages.select_related("actor").order_by("prevu_le", "pk")),
        "invalides": list(CanalInvalide.objects.filter(jeune_id=parcours.jeune_id, corrige_le__isnull=True)),
        "jeune": parcours.jeune,
        "csrf_token": context.get("csrf_token"),
    }
