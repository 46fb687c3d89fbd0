from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from sas.csv_export import csv_response
from sas.organisations.models import Role
from sas.permissions import role_required, territories_for_role

from . import donnees, open_data, svg
from .forms import FiltreForm


def _tableau_de_bord(request):
    territoires = territories_for_role(request.user, Role.PILOTE)
    organisations = donnees.organisations_prescriptrices(territoires).order_by("nom")
    form = FiltreForm(request.GET or None, territoires=territoires, organisations=organisations)
    filtre = form.filtre()
    figures = donnees.figures(
        filtre,
        now=timezone.now(),
        organisations_prescriptrices=donnees.organisations_prescriptrices(filtre.territoires).count(),
    )
    return form, filtre, figures


@role_required(Role.PILOTE)
def tableau_de_bord(request):
    form, filtre, figures = _tableau_de_bord(request)
    entonnoir = figures["entonnoir"]
    barres = svg.entonnoir([(label, cellules[0]) for label, cellules in entonnoir.rangs()])
    return render(
        request,
        "pilotage/tableau_de_bord.html",
        {
            "form": form,
            "filtre": filtre,
            "f": figures,
            "svg": barres,
            "requete": request.GET.urlencode(),
            "title": "Tableau de bord du pilotage",
        },
    )


@role_required(Role.PILOTE)
def export_csv(request, slug):
    _form, filtre, figures = _tableau_de_bord(request)
    tableau = next((t for t in figures["tableaux"] if t.slug == slug), None)
    if tableau is None:
        raise Http404
    rows = []
    for label, cellules in tableau.rangs():
        for colonne, cellule in zip(tableau.colonnes, cellules, strict=True):
            if cellule is not None:
                rows.append([label, colonne, "" if cellule.masquee else cellule.valeur, cellule.masque])
    return csv_response(
        f"sas-{slug}-{filtre.debut:%Y-%m}-{filtre.fin:%Y-%m}.csv",
        [tableau.entete, "colonne", "effectif", "secret"],
        rows,
    )


@role_required(Role.PILOTE)
def export_open_data(request):
    territoires = territories_for_role(request.user, Role.PILOTE)
    form = FiltreForm(request.GET or None, territoires=territoires, organisations=[])
    filtre = form.filtre()
    return csv_response(
        f"sas-signalements-mensuels-{filtre.debut:%Y-%m}-{filtre.fin:%Y-%m}.csv",
        open_data.COLONNES,
        open_data.lignes(filtre, now=timezone.now()),
    )


@role_required(Role.PILOTE)
def definitions(request):
    return render(
        request,
        "pilotage/definitions.html",
        {"title": "Définitions des indicateurs", "colonnes": open_data.SCHEMA},
    )
