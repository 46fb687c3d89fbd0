from django.contrib import admin

from .models import Commune, Departement, Epci, Region


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin):
    list_display = ["code", "nom", "region"]
    search_fields = ["code", "nom"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "nom"]
    search_fields = ["code", "nom"]


@admin.register(Epci)
class EpciAdmin(admin.ModelAdmin):
    list_display = ["code", "nom", "type"]
    search_fields = ["code", "nom"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code_insee", "nom", "codes_postaux", "departement", "epci", "population"]
    search_fields = ["code_insee", "nom", "codes_postaux"]
    list_select_related = ["departement", "epci"]
    raw_id_fields = ["parent", "epci"]
