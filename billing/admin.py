from django.contrib import admin

from billing.models import UsageRecord
from config.admin import PublicSchemaAdmin


@admin.register(UsageRecord)
class UsageRecordAdmin(PublicSchemaAdmin):
    """Read-only: usage is written by the metering service, never by hand."""

    list_display = ["occurred_at", "tenant", "kind", "quantity", "call_id", "updated_at"]
    list_filter = ["kind", "tenant"]
    search_fields = ["idempotency_key", "tenant__slug"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
