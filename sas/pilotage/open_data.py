"""The open-data file: signalements per month and département, with the figures of the dashboard protected the
same way (each département's table is the dashboard's for that département and period, so neither tells what the
other hides). Its schema, SCHEMA, is shown on the definitions page and follows data.gouv.fr's table schemas."""

import dataclasses

from sas.communes.models import Departement

from . import donnees
from .indicateurs import SOURCES

SCHEMA = [
    ("mois", "string (AAAA-MM)", "Mois du signalement, heure de Paris."),
    ("departement_code", "string", "Code INSEE du département où vit le jeune."),
    ("departement_nom", "string", "Nom du département."),
    ("signalements", "integer", "Parcours signalés ce mois-là, toutes origines."),
    ("signalements_professionnels", "integer", "Dont signalés par un professionnel (formulaire, fichier, API)."),
    ("signalements_proches", "integer", "Dont signalés par un proche."),
    ("signalements_jeunes", "integer", "Dont signalés par le jeune lui-même."),
    (
        "secret",
        "string",
        "Colonnes masquées par le secret statistique sur cette ligne, séparées par des virgules ; "
        "une colonne masquée est vide.",
    ),
]
COLONNES = [nom for nom, _type, _description in SCHEMA]


def lignes(filtre, *, now):
    """One row per month and département of the pilot's territories."""
    departements = Departement.objects.filter(communes__territories__in=filtre.territoires).distinct()
    rows = []
    for departement in departements:
        par_departement = dataclasses.replace(filtre, departement=departement.code, epci="", source="")
        figures = donnees.figures(par_departement, now=now, organisations_prescriptrices=0)
        tableau = next(t for t in figures["tableaux"] if t.slug == "mois")
        for mois, cellules in tableau.rangs()[:-1]:
            noms = ["signalements_professionnels", "signalements_proches", "signalements_jeunes", "signalements"]
            # The table's columns are the sources then the total; the file puts the total first.
            par_nom = dict(zip(noms, cellules, strict=True))
            ordre = ["signalements", *noms[: len(SOURCES)]]
            valeurs = ["" if par_nom[n].masquee else par_nom[n].valeur for n in ordre]
            secret = ",".join(n for n in ordre if par_nom[n].masquee)
            rows.append([mois, departement.code, departement.nom, *valeurs, secret])
    return rows
