from django.contrib import admin

from sas.audit.admin import AuditeLecturesAdmin, ReadOnlyAdmin

from .models import CanalInvalide, Message, MessageEvent, Notification


# Read only: a message records what was sent, and its text (link masked) is not to be rewritten.
@admin.register(Message)
class MessageAdmin(AuditeLecturesAdmin, ReadOnlyAdmin):
    list_display = ["pk", "nature", "canal", "gabarit", "status", "prevu_le", "envoye_le", "tentatives"]
    list_filter = ["nature", "canal", "status", "gabarit"]
    search_fields = ["cle", "reference", "=uuid"]
    raw_id_fields = ["parcours", "jeune", "actor"]


# Append-only: the history of a message is read, never written by hand.
@admin.register(MessageEvent)
class MessageEventAdmin(AuditeLecturesAdmin, ReadOnlyAdmin):
    list_display = ["occurred_at", "message", "from_status", "to_status", "precision"]
    list_filter = ["to_status"]
    raw_id_fields = ["message"]
    list_select_related = ["message"]

    def jeune_de(self, obj):
        return obj.message.jeune_id


@admin.register(CanalInvalide)
class CanalInvalideAdmin(AuditeLecturesAdmin):
    list_display = ["jeune", "canal", "valeur", "constate_le", "corrige_le"]
    list_filter = ["canal"]
    raw_id_fields = ["jeune", "message"]


@admin.register(Notification)
class NotificationAdmin(AuditeLecturesAdmin):
    list_display = ["recu_le", "nature", "evenement", "message", "effet"]
    list_filter = ["nature", "evenement"]
    raw_id_fields = ["message"]
    list_select_related = ["message"]

    def jeune_de(self, obj):
        return obj.message.jeune_id if obj.message else None

    def has_change_permission(self, request, obj=None):
        return False
