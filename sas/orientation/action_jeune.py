"""What the young person's page puts first when the hand-off waits for them (registered with espace_jeune.actions):
answering whether they met the structure, then choosing among the services proposed. The names stay on the page
behind the check: the first screen says only what to do."""

from django.urls import reverse

from sas.espace_jeune.actions import ActionAttendue

from .services import a_demander_au_jeune, propositions_ouvertes


def action_orientation(parcours, lien):
    url = reverse("orientation:jeune", args=[lien.token])
    if a_demander_au_jeune(parcours) is not None:
        return ActionAttendue(
            "repondre_suivi",
            "Une question pour vous",
            "Dites-nous si votre premier rendez-vous avec la structure a bien eu lieu.",
            bouton="Répondre",
            url=url,
        )
    nombre = propositions_ouvertes(parcours).count()
    if nombre:
        return ActionAttendue(
            "choisir_service",
            "Choisissez où être aidé",
            f"Votre conseiller vous propose {nombre} endroit{'s' if nombre > 1 else ''}. C'est vous qui choisissez.",
            bouton="Voir et choisir",
            url=url,
        )
    return None
