from django.contrib import admin

from .models import PlanContact


@admin.register(PlanContact)
class PlanContactAdmin(admin.ModelAdmin):
    """Contact plans are data: the operator edits the steps here (validated by PlanContact.clean)."""

    list_display = ["nom", "actif", "created_at"]
    list_filter = ["actif"]
