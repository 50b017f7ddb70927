from django.contrib import admin

from config.admin import TenantSchemaAdmin
from scheduling.models import Appointment, Calendar, CalendarIntegration, Reminder

# Integration credentials are deliberately absent: tokens are set through the OAuth flow and never shown.


@admin.register(Calendar)
class CalendarAdmin(TenantSchemaAdmin):
    list_display = ["name", "agent", "timezone", "slot_minutes", "updated_at"]
    exclude = ["feed_key"]


class ReminderInline(admin.TabularInline):
    model = Reminder
    fields = ["channel", "send_at", "status", "sent_at", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Appointment)
class AppointmentAdmin(TenantSchemaAdmin):
    list_display = ["title", "calendar", "start", "end", "status", "source", "contact_name"]
    list_filter = ["status", "source", "calendar"]
    search_fields = ["title", "contact_name", "contact_phone", "contact_email"]
    # Times change through the API (reschedule), which keeps the blocked range and external calendars in step.
    readonly_fields = [
        "calendar",
        "start",
        "end",
        "blocked",
        "call",
        "contact",
        "source",
        "external_uri",
        "created_at",
        "updated_at",
    ]
    inlines = [ReminderInline]


@admin.register(CalendarIntegration)
class CalendarIntegrationAdmin(TenantSchemaAdmin):
    list_display = ["provider", "account", "calendar", "status", "token_expires_at"]
    list_filter = ["provider", "status"]
    fields = ["provider", "account", "calendar", "external_calendar_id", "status", "last_error", "token_expires_at"]
    readonly_fields = fields
