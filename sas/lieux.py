"""A meeting's modality and place, checked the same way wherever one is booked (a joint meeting, a counsellor's
slots)."""


def erreurs_de_lieu(modalite, lieu, modalites, *, champ, sans_adresse):
    """{field: message} for a `modalite` (the form's field `champ`) outside the TextChoices `modalites`, or whose
    `lieu` is missing: an address in person (`sans_adresse` asks for it), a link by video."""
    if modalite not in modalites.values:
        *premieres, derniere = (label.lower() for label in modalites.labels)
        return {champ: f"Choisissez une modalité : {', '.join(premieres)} ou {derniere}."}
    if modalite == modalites.PRESENTIEL and not lieu:
        return {"lieu": sans_adresse}
    if modalite == modalites.VISIO and not lieu:
        return {"lieu": "Indiquez le lien de la visioconférence."}
    return {}
