from django.contrib import admin, messages

from sas.audit.admin import AuditeLecturesAdmin, ReadOnlyAdmin

from . import services
from .models import DemandeEffacement, Reclamation


class _DuParcours(AuditeLecturesAdmin, ReadOnlyAdmin):
    def jeune_de(self, obj):
        return obj.parcours.jeune_id

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parcours")


@admin.register(DemandeEffacement)
class DemandeEffacementAdmin(_DuParcours):
    list_display = ["demandee_le", "via", "traitee_le", "traitee_par"]
    list_filter = ["traitee_le", "via"]
    actions = ["effacer"]

    @admin.action(description="Effacer les données des jeunes (demandes choisies)")
    def effacer(self, request, queryset):
        # The same handling as the counsellor's button: last message, withdrawal, anonymisation, trace.
        demandes = list(queryset.filter(traitee_le__isnull=True).select_related("parcours__jeune"))
        for demande in demandes:
            services.effacer(demande, actor=request.user)
        self.message_user(request, f"{len(demandes)} effacement(s) fait(s).", messages.SUCCESS)

    def has_change_permission(self, request, obj=None):
        # The action needs it; the form stays read-only (no field is editable: see get_readonly_fields).
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(Reclamation)
class ReclamationAdmin(_DuParcours):
    list_display = ["deposee_le", "repondue_le", "repondue_par"]
    list_filter = ["repondue_le"]
