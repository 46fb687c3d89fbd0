from django.contrib import admin

from .models import CanalInvalide, Message, MessageEvent, Notification


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["pk", "nature", "canal", "gabarit", "statut", "prevu_le", "envoye_le", "tentatives"]
    list_filter = ["nature", "canal", "statut", "gabarit"]
    search_fields = ["cle", "reference", "=uuid"]
    raw_id_fields = ["parcours", "jeune", "auteur"]

    # Read only: a message records what was sent, and its text (link masked) is not to be rewritten.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MessageEvent)
class MessageEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "message", "from_statut", "to_statut", "precision"]
    list_filter = ["to_statut"]
    raw_id_fields = ["message"]

    # Append-only: the history of a message is read, never written by hand.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CanalInvalide)
class CanalInvalideAdmin(admin.ModelAdmin):
    list_display = ["jeune", "canal", "valeur", "constate_le", "corrige_le"]
    list_filter = ["canal"]
    raw_id_fields = ["jeune", "message"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recu_le", "nature", "evenement", "message", "effet"]
    list_filter = ["nature", "evenement"]
    raw_id_fields = ["message"]

    def has_change_permission(self, request, obj=None):
        return False
