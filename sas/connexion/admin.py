from django.contrib import admin

from sas.audit.admin import ReadOnlyAdmin

from .models import DemandeAcces, EvenementDemande


class EvenementDemandeInline(admin.TabularInline):
    model = EvenementDemande
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DemandeAcces)
class DemandeAccesAdmin(ReadOnlyAdmin):
    """Read only: a request is decided from the SAS team's list, through its transition."""

    list_display = ["email", "nom_affiche", "siret", "territory", "role", "status", "created_at"]
    list_filter = ["status", "role", "territory"]
    search_fields = ["email", "siret", "nom_organisation", "organisation__nom"]
    inlines = [EvenementDemandeInline]
