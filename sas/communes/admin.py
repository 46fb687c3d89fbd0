from django.contrib import admin

from .models import Commune, Departement


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin):
    list_display = ["code", "nom"]
    search_fields = ["code", "nom"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code_insee", "nom", "codes_postaux", "departement", "population"]
    search_fields = ["code_insee", "nom", "codes_postaux"]
    list_select_related = ["departement"]
