from django.contrib import admin

from .models import Service, Structure


class ServiceInline(admin.TabularInline):
    model = Service
    fields = ["identifiant", "nom", "type", "frais"]
    show_change_link = True
    extra = 0


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ["nom", "source", "identifiant", "commune", "code_insee", "date_maj"]
    list_filter = ["source"]
    search_fields = ["nom", "identifiant", "siret", "commune"]
    readonly_fields = ["commune_cog", "cree_le", "modifie_le"]
    autocomplete_fields = ["organisation"]
    inlines = [ServiceInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["nom", "structure", "source", "identifiant", "commune", "frais", "date_maj"]
    list_filter = ["source", "frais", "type"]
    search_fields = ["nom", "identifiant", "structure__nom", "commune"]
    list_select_related = ["structure"]
    autocomplete_fields = ["structure"]
    readonly_fields = ["commune_cog", "zone_cles", "position_lat", "position_lon", "cree_le", "modifie_le"]
