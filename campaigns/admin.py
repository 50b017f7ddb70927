from django.contrib import admin

from campaigns.models import Attempt, Campaign
from config.admin import TenantSchemaAdmin


@admin.register(Campaign)
class CampaignAdmin(TenantSchemaAdmin):
    list_display = [
        "name",
        "kind",
        "agent",
        "status",
        "calls_per_minute",
        "max_concurrent_calls",
        "started_at",
        "completed_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["name"]


# Attempts are the dialer's state: shown, never edited by hand.
@admin.register(Attempt)
class AttemptAdmin(TenantSchemaAdmin):
    list_display = ["number", "campaign", "attempt_no", "status", "due_at", "dialed_at", "outcome"]
    list_filter = ["status", "outcome"]
    search_fields = ["number", "idempotency_key"]
    readonly_fields = [field.name for field in Attempt._meta.fields]

    def has_add_permission(self, request):
        return False
