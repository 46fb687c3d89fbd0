"""Publishing the questionnaire files of sas/diagnostic/questionnaires/ (used by the data migration and the
`publier_questionnaires` command)."""

import json
from pathlib import Path

from django.utils import timezone

from .definition import valider_definition

DOSSIER = Path(__file__).resolve().parent / "questionnaires"


def lire(chemin):
    definition = json.loads(Path(chemin).read_text(encoding="utf-8"))
    errors = valider_definition(definition)
    if errors:
        raise ValueError(f"{Path(chemin).name} : " + " ".join(errors))
    return definition


def publier(model, chemins=None, *, wet_run=False, at=None):
    """Create the versions not yet in the database; refuse a file that changes a published version.

    Idempotent. Returns one French line per file saying what was (or would be) done."""
    lines = []
    fichiers = [(lire(chemin), chemin) for chemin in (chemins or DOSSIER.glob("v*.json"))]
    for definition, chemin in sorted(fichiers, key=lambda item: item[0]["version"]):
        version = definition["version"]
        existing = model.objects.filter(version=version).first()
        if existing is not None:
            if existing.definition != definition:
                raise ValueError(
                    f"{Path(chemin).name} modifie la version {version} déjà publiée : créez une nouvelle version."
                )
            lines.append(f"Version {version} déjà publiée.")
            continue
        if wet_run:
            model.objects.create(
                version=version, titre=definition["titre"], definition=definition, published_at=at or timezone.now()
            )
        lines.append(f"Version {version} publiée ({Path(chemin).name}).")
    return lines
