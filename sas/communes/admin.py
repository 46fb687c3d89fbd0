from django.contrib import admin

from .models import Commune, Departement, Epci, Region


class ReferentielAdmin(admin.ModelAdmin):
    """A table of the official reference, looked up by its code or its name."""

    search_fields = ["code", "nom"]


@admin.register(Departement)
class DepartementAdmin(ReferentielAdmin):
    list_display = ["code", "nom", "region"]


@admin.register(Region)
class RegionAdmin(ReferentielAdmin):
    list_display = ["code", "nom"]


@admin.register(Epci)
class EpciAdmin(ReferentielAdmin):
    list_display = ["code", "nom", "type"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code_insee", "nom", "codes_postaux", "departement", "epci", "population"]
    search_fields = ["code_insee", "nom", "codes_postaux"]
    list_select_related = ["departement", "epci"]
    raw_id_fields = ["parent", "epci"]
