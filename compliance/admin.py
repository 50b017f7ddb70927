from django.contrib import admin

from compliance.models import AuditEvent, ComplianceSettings, DncEntry, DncImport
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


@admin.register(DncEntry)
class DncEntryAdmin(TenantSchemaAdmin):
    list_display = ["number", "source", "reason", "created_at"]
    list_filter = ["source"]
    search_fields = ["=number"]
    show_full_result_count = False  # a list may hold a million numbers

    # Changes go through the API, which audits them.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ComplianceSettings)
class ComplianceSettingsAdmin(TenantSchemaAdmin):
    list_display = ["__str__", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DncImport)
class DncImportAdmin(TenantSchemaAdmin):
    list_display = ["created_at", "filename", "status", "rows", "added", "invalid"]
    list_filter = ["status"]
    exclude = ["payload"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
