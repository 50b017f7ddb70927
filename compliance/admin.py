from django.contrib import admin

from compliance.models import AuditEvent
from config.admin import TenantSchemaAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(TenantSchemaAdmin):
    list_display = ["created_at", "actor_label", "action", "target"]
    list_filter = ["action"]
    search_fields = ["actor_label", "action", "target"]

    # Append-only: the audit log is read, never edited.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
