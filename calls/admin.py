from django.contrib import admin

from calls.models import AnalysisProfile, Call, CallFeedback, CallNote, CallTurn, PhoneNumber, ShareLink, TwilioAccount
from config.admin import TenantSchemaAdmin


@admin.register(TwilioAccount)
class TwilioAccountAdmin(TenantSchemaAdmin):
    # The auth token is set through the API (which checks it with Twilio) and never shown; the line and minute
    # limits are the billing plan's.
    fields = ["account_sid", "overflow_action", "max_queue_wait_seconds", "created_at", "updated_at"]
    readonly_fields = ["account_sid", "created_at", "updated_at"]
    list_display = ["account_sid", "overflow_action", "max_queue_wait_seconds", "updated_at"]

    def has_add_permission(self, request):
        return False


@admin.register(PhoneNumber)
class PhoneNumberAdmin(TenantSchemaAdmin):
    list_display = ["number", "agent", "inbound_enabled", "source", "created_at"]
    list_filter = ["inbound_enabled", "source"]
    search_fields = ["number", "friendly_name"]
    readonly_fields = ["number", "twilio_sid", "source", "created_at"]


class CallTurnInline(admin.TabularInline):
    model = CallTurn
    fields = ["index", "speaker", "text", "interrupted", "stt_ms", "llm_ms", "tts_ms", "total_ms"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class CallNoteInline(admin.TabularInline):
    model = CallNote
    fields = ["text", "author_label", "created_at"]
    readonly_fields = ["author_label", "created_at"]
    extra = 0


@admin.register(Call)
class CallAdmin(TenantSchemaAdmin):
    list_display = [
        "id",
        "direction",
        "status",
        "agent",
        "from_number",
        "to_number",
        "duration_seconds",
        "sentiment",
        "created_at",
    ]
    list_filter = ["direction", "status", "sentiment", "is_test"]
    search_fields = ["from_number", "to_number", "twilio_call_sid", "external_id"]
    date_hierarchy = "created_at"
    exclude = ["search_vector", "state"]
    readonly_fields = [
        "direction",
        "status",
        "agent",
        "flow_version",
        "from_number",
        "to_number",
        "twilio_call_sid",
        "idempotency_key",
        "external_id",
        "started_at",
        "ended_at",
        "duration_seconds",
        "billable_seconds",
        "end_reason",
        "answered_by",
        "recording_sid",
        "recording_url",
        "recording_duration",
        "transcript",
        "summary",
        "sentiment",
        "extraction",
        "success",
        "analysed_at",
        "contact_variables",
        "is_test",
    ]
    inlines = [CallTurnInline, CallNoteInline]


@admin.register(CallFeedback)
class CallFeedbackAdmin(TenantSchemaAdmin):
    list_display = ["call", "rating", "created_at"]
    readonly_fields = ["call", "author_id", "created_at"]


@admin.register(ShareLink)
class ShareLinkAdmin(TenantSchemaAdmin):
    list_display = ["call", "expires_at", "revoked_at", "created_at"]
    readonly_fields = ["call", "expires_at", "created_by_id", "created_at"]


@admin.register(AnalysisProfile)
class AnalysisProfileAdmin(TenantSchemaAdmin):
    list_display = ["agent", "updated_at"]
