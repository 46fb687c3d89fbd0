from django.contrib import admin

from .models import Action, AuditEntry, record


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that are read, never written by hand: logs, and what was sent."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditeLecturesAdmin(admin.ModelAdmin):
    """For admin pages that show a young person's data: each list page and each record opened writes an audit
    entry naming the young people shown, as the professionals' pages do. `jeune_de(obj)` says whose data a row is."""

    def jeune_de(self, obj):
        return obj.jeune_id

    def _jeunes(self, objets):
        return sorted({jeune for jeune in map(self.jeune_de, objets) if jeune is not None})

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        liste = getattr(response, "context_data", {}).get("cl")
        if response.status_code == 200 and liste is not None:
            objets = list(liste.result_list)
            record(
                request.user,
                Action.LISTE,
                self.model._meta.label_lower,
                self._jeunes(objets),
                admin=True,
                lignes=len(objets),
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        objet = getattr(response, "context_data", {}).get("original")
        if response.status_code == 200 and objet is not None:
            record(request.user, Action.CONSULTATION, objet, self._jeunes([objet]), admin=True)
        return response


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor__email", "object_id"]
    list_select_related = ["actor"]
    date_hierarchy = "at"
