from django.contrib import admin

from compliance import selectors
from compliance.models import AuditEvent, ComplianceSettings, DncEntry, DncImport
from config.admin import ReadOnlyAdminMixin, TenantSchemaAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, TenantSchemaAdmin):
    """Append-only: the audit log is read, never edited."""

    list_display = ["created_at", "actor_label", "action", "shown_target"]
    list_filter = ["action"]
    search_fields = ["actor_label", "action", "target"]
    fields = [{"target": "shown_target", "data": "shown_data"}.get(name, name) for name in selectors.AUDIT_COLUMNS[1:]]
    readonly_fields = fields

    def get_queryset(self, request):
        return selectors.audit_entries()

    def get_search_results(self, request, queryset, search_term):
        # Searching an erased number finds nothing, not even the masked entries.
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        return (queryset.filter(erased=False) if search_term else queryset), duplicates


@admin.register(DncEntry)
class DncEntryAdmin(ReadOnlyAdminMixin, TenantSchemaAdmin):
    """Changes go through the API, which audits them."""

    list_display = ["number", "source", "reason", "created_at"]
    list_filter = ["source"]
    search_fields = ["=number"]
    show_full_result_count = False  # a list may hold a million numbers


@admin.register(ComplianceSettings)
class ComplianceSettingsAdmin(ReadOnlyAdminMixin, TenantSchemaAdmin):
    list_display = ["__str__", "updated_at"]


@admin.register(DncImport)
class DncImportAdmin(ReadOnlyAdminMixin, TenantSchemaAdmin):
    list_display = ["created_at", "filename", "status", "rows", "added", "invalid"]
    list_filter = ["status"]
    exclude = ["payload"]
