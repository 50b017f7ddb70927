from django.contrib import admin

from billing.models import UsageRecord
from config.admin import PublicSchemaAdmin, ReadOnlyAdminMixin


@admin.register(UsageRecord)
class UsageRecordAdmin(ReadOnlyAdminMixin, PublicSchemaAdmin):
    """Read-only: usage is written by the metering service, never by hand."""

    list_display = ["occurred_at", "tenant", "kind", "quantity", "call_id", "updated_at"]
    list_filter = ["kind", "tenant"]
    search_fields = ["idempotency_key", "tenant__slug"]
    date_hierarchy = "occurred_at"
