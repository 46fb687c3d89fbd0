"""What the young person's page puts first when a check-in waits for their answer (registered with
espace_jeune.actions). The structure's name stays behind the check: the first screen says only what to do."""

from django.urls import reverse

from sas.espace_jeune.actions import ActionAttendue

from .models import ActorKind
from .services import point_ouvert, reponses


def action_suivi(parcours, lien):
    point = point_ouvert(parcours)
    if point is None or "accompagne" in reponses(point, ActorKind.JEUNE):
        return None
    return ActionAttendue(
        "point_etape",
        "Une question pour vous",
        "Est-ce que votre accompagnement se passe bien ? Trois questions, une minute.",
        bouton="Répondre",
        url=reverse("suivi:jeune", args=[lien.token]),
    )
