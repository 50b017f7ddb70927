from rest_framework import serializers

from config.api.serializers import ModelSerializer
from contacts.models import Contact
from scheduling.models import Appointment, Calendar, CalendarIntegration


class CalendarSerializer(ModelSerializer):
    weekly_hours = serializers.JSONField(required=False)
    slot_minutes = serializers.IntegerField(min_value=5, max_value=480, required=False)
    buffer_before_minutes = serializers.IntegerField(min_value=0, max_value=240, required=False)
    buffer_after_minutes = serializers.IntegerField(min_value=0, max_value=240, required=False)
    min_notice_minutes = serializers.IntegerField(min_value=0, max_value=60 * 24 * 30, required=False)
    max_days_ahead = serializers.IntegerField(min_value=1, max_value=365, required=False)
    reminder_minutes = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=60 * 24 * 14), max_length=5, required=False
    )
    feed_url = serializers.SerializerMethodField()

    class Meta:
        model = Calendar
        fields = [
            "id",
            "name",
            "agent",
            "timezone",
            "weekly_hours",
            "slot_minutes",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "min_notice_minutes",
            "max_days_ahead",
            "reminder_minutes",
            "feed_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_feed_url(self, calendar) -> str:
        return self.context["feed_url"](calendar) if "feed_url" in self.context else ""


class AttendeeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class AppointmentSerializer(ModelSerializer):
    attendees = AttendeeSerializer(many=True, required=False)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "calendar",
            "title",
            "description",
            "location",
            "start",
            "end",
            "status",
            "contact",
            "contact_name",
            "contact_phone",
            "contact_email",
            "attendees",
            "call",
            "source",
            "cancel_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AppointmentWriteSerializer(serializers.Serializer):
    """Create (POST) and full change (PUT); `end` defaults to one slot of the calendar after `start`."""

    calendar = serializers.PrimaryKeyRelatedField(
        queryset=Calendar.objects.all(), required=False, help_text="Default: the tenant's default calendar."
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    location = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(required=False)
    status = serializers.ChoiceField(
        choices=[Appointment.Status.SCHEDULED, Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW], required=False
    )
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The contact (id) it is with.",
    )
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    attendees = AttendeeSerializer(many=True, required=False, default=list)

    def validate(self, data):
        if data.get("end") and data["end"] <= data["start"]:
            raise serializers.ValidationError({"end": "Must be after start."})
        return data


class RescheduleSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(required=False, help_text="Default: keeps the appointment's length.")

    def validate(self, data):
        if data.get("end") and data["end"] <= data["start"]:
            raise serializers.ValidationError({"end": "Must be after start."})
        return data


class AttendeeAppointmentSerializer(serializers.Serializer):
    """What the attendee's link shows: the appointment, not the tenant's notes on it."""

    title = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    location = serializers.CharField()
    status = serializers.CharField()
    timezone = serializers.CharField(source="calendar.timezone")


class AttendeeRescheduleSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="A free slot of the calendar; the appointment keeps its length.")


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AvailabilityRequestSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField(required=False, help_text="Default: date_from.")
    calendar = serializers.PrimaryKeyRelatedField(queryset=Calendar.objects.all(), required=False)
    duration_minutes = serializers.IntegerField(min_value=5, max_value=480, required=False)


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class AvailabilitySerializer(serializers.Serializer):
    calendar = serializers.IntegerField()
    timezone = serializers.CharField()
    slots = SlotSerializer(many=True)


class AuthUrlSerializer(serializers.Serializer):
    url = serializers.URLField()
    state = serializers.CharField()


class ConnectSerializer(serializers.Serializer):
    """Google and Microsoft: the `code` and `state` the provider sent back. CalDAV (iCloud and others): `url`,
    `username` and (app-specific) `password`, for `calendar` (default: the default calendar); `url` is the calendar's
    own or the server's (`https://caldav.icloud.com`), where the account's calendar named `calendar_name` (default:
    its first) is found.
    Calendly: a personal access `token`, and the `webhook_scope` of bookings to receive (the user's or the whole
    organization's), booked into `calendar`."""

    OAUTH_FIELDS = ("code", "state")
    REQUIRED = {
        CalendarIntegration.Provider.CALDAV: ("url", "username", "password"),
        CalendarIntegration.Provider.CALENDLY: ("token",),
    }

    provider = serializers.ChoiceField(
        choices=[
            CalendarIntegration.Provider.GOOGLE,
            CalendarIntegration.Provider.MICROSOFT,
            CalendarIntegration.Provider.CALDAV,
            CalendarIntegration.Provider.CALENDLY,
        ]
    )
    code = serializers.CharField(max_length=4000, required=False)
    state = serializers.CharField(max_length=2000, required=False)
    url = serializers.URLField(max_length=500, required=False)
    username = serializers.CharField(max_length=255, required=False)
    password = serializers.CharField(max_length=500, required=False, write_only=True)
    calendar_name = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="CalDAV: which of the account's calendars (display name or URL).",
    )
    # Sent as an HTTP header: anything but visible ASCII is no token, and httpx refused it with a 500.
    token = serializers.RegexField(r"^[!-~]+$", max_length=2000, required=False, write_only=True)
    webhook_scope = serializers.ChoiceField(choices=["user", "organization"], required=False, default="user")
    calendar = serializers.PrimaryKeyRelatedField(queryset=Calendar.objects.all(), required=False)

    def validate(self, data):
        needed = self.REQUIRED.get(data["provider"], self.OAUTH_FIELDS)
        missing = {name: f"Required for {data['provider']}." for name in needed if not data.get(name)}
        if missing:
            raise serializers.ValidationError(missing)
        return data


class IntegrationSerializer(ModelSerializer):
    class Meta:
        model = CalendarIntegration
        fields = [
            "id",
            "provider",
            "calendar",
            "account",
            "external_calendar_id",
            "status",
            "last_error",
            "token_expires_at",
            "created_at",
        ]
        read_only_fields = fields


class CalendlyEventTypeSerializer(serializers.Serializer):
    """An event type as Calendly describes it (the fields a booking link needs)."""

    uri = serializers.CharField()
    name = serializers.CharField()
    active = serializers.BooleanField()
    duration = serializers.IntegerField(allow_null=True)
    kind = serializers.CharField(required=False)
    scheduling_url = serializers.CharField()


class AuthUrlQuerySerializer(serializers.Serializer):
    calendar = serializers.IntegerField(min_value=1, required=False, help_text="Default: the default calendar.")


class CalendlyIntegrationQuerySerializer(serializers.Serializer):
    integration = serializers.IntegerField(
        min_value=1, required=False, help_text="Default: the first Calendly integration."
    )


class CalendlyLinkRequestSerializer(CalendlyIntegrationQuerySerializer):
    event_type = serializers.CharField(max_length=500, help_text="The event type's URI.")


class CalendlyLinkSerializer(serializers.Serializer):
    booking_url = serializers.URLField()
    owner = serializers.CharField()
    owner_type = serializers.CharField()


class StatsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    upcoming = serializers.IntegerField()
    next_7_days = serializers.IntegerField()
    booked_by_agents = serializers.IntegerField()
    booked_by_staff = serializers.IntegerField()
    by_source = serializers.DictField(child=serializers.IntegerField())
    by_status = serializers.DictField(child=serializers.IntegerField())
    no_show_rate = serializers.FloatField(allow_null=True, help_text="No-shows among completed and no-show ones.")


def _range_in_order(self, data):
    if data.get("from") and data.get("to") and data["to"] <= data["from"]:
        raise serializers.ValidationError({"to": "Must be after from."})
    return data


# Query parameters of the stats: appointments starting in [from, to), either bound optional.
StatsQuerySerializer = type(
    "StatsQuerySerializer",
    (serializers.Serializer,),
    {
        "from": serializers.DateTimeField(required=False),
        "to": serializers.DateTimeField(required=False),
        "validate": _range_in_order,
    },
)


# Query parameters of the appointments list; "from" and "to" are Python keywords, hence type().
AppointmentFilterSerializer = type(
    "AppointmentFilterSerializer",
    (serializers.Serializer,),
    {
        "status": serializers.ChoiceField(choices=Appointment.Status.values, required=False),
        "calendar": serializers.IntegerField(min_value=1, required=False),
        "contact": serializers.IntegerField(min_value=1, required=False),
        "from": serializers.DateTimeField(required=False),
        "to": serializers.DateTimeField(required=False),
    },
)
