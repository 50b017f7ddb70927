"""Calendars (business hours per tenant or agent), appointments, external calendar integrations, reminders."""

import secrets

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce

from config.crypto import EncryptedJSONField
from config.weekly_hours import WEEKDAYS


def default_weekly_hours():
    return {day: [["09:00", "17:00"]] for day in WEEKDAYS[:5]}


def default_reminder_minutes():
    return [24 * 60, 60]


def new_feed_key():
    return secrets.token_urlsafe(16)


class Calendar(models.Model):
    """Where appointments are booked: the tenant's default calendar (no agent) or one agent's own."""

    name = models.CharField(max_length=200)
    agent = models.OneToOneField(
        "agents.Agent", null=True, blank=True, on_delete=models.CASCADE, related_name="calendar"
    )
    timezone = models.CharField(max_length=64, default="UTC")
    # {"mon": [["09:00", "12:00"], ["13:00", "17:00"]], ...} in the calendar's time zone; a missing day is closed.
    weekly_hours = models.JSONField(default=default_weekly_hours)
    slot_minutes = models.PositiveSmallIntegerField(default=30)
    buffer_before_minutes = models.PositiveSmallIntegerField(default=0)
    buffer_after_minutes = models.PositiveSmallIntegerField(default=0)
    min_notice_minutes = models.PositiveIntegerField(default=60)
    max_days_ahead = models.PositiveSmallIntegerField(default=60)
    # Minutes before the start at which reminders go out (by email and SMS, as the attendee's details allow).
    reminder_minutes = ArrayField(models.PositiveIntegerField(), default=default_reminder_minutes, blank=True)
    # Part of the signed ICS feed URL: changing it revokes every URL handed out before.
    feed_key = models.CharField(max_length=32, default=new_feed_key)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # One calendar per agent and a single default calendar (agent NULL counts as agent 0).
            models.UniqueConstraint(Coalesce("agent", Value(0)), name="one_calendar_per_agent"),
        ]

    def __str__(self):
        return self.name


class Appointment(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled"
        COMPLETED = "completed"
        CANCELLED = "cancelled"
        NO_SHOW = "no_show"

    class Source(models.TextChoices):
        API = "api"
        AGENT = "agent"
        CALENDLY = "calendly"

    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="appointments")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    location = models.CharField(max_length=500, blank=True)
    start = models.DateTimeField()
    end = models.DateTimeField()
    # The time the appointment keeps to itself, buffers included; the exclusion constraint works on it.
    blocked = DateTimeRangeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_phone = models.CharField(max_length=32, blank=True)
    contact_email = models.EmailField(blank=True)
    # Further attendees: [{"name", "email", "phone"}].
    attendees = models.JSONField(default=list, blank=True)
    call = models.ForeignKey(
        "calls.Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="appointments"
    )
    # Who the appointment is with, when known (the contact_* fields keep what was said or typed at booking).
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="appointments"
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.API)
    # The booking's URI at the service it came from (Calendly: the invitee), so a delivery seen twice books once.
    external_uri = models.CharField(max_length=500, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["calendar", "start"]), models.Index(fields=["status", "start"])]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="appointment_ends_after_start"),
            # No double booking, even under concurrent requests: PostgreSQL refuses overlapping live bookings.
            ExclusionConstraint(
                name="no_double_booking",
                expressions=[("calendar", RangeOperators.EQUAL), ("blocked", RangeOperators.OVERLAPS)],
                condition=~Q(status="cancelled"),
            ),
            models.UniqueConstraint(
                fields=["external_uri"], condition=~Q(external_uri=""), name="one_appointment_per_external_uri"
            ),
        ]

    def __str__(self):
        return f"{self.title} at {self.start:%Y-%m-%d %H:%M}"


class CalendarIntegration(models.Model):
    """An external calendar synced with one of ours: its busy times block slots, our bookings become its events."""

    class Provider(models.TextChoices):
        GOOGLE = "google"
        MICROSOFT = "microsoft"
        CALDAV = "caldav"
        CALENDLY = "calendly"

    class Status(models.TextChoices):
        ACTIVE = "active"
        ERROR = "error"

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="integrations")
    provider = models.CharField(max_length=16, choices=Provider.choices)
    account = models.CharField(max_length=255, blank=True, help_text="The external account (e-mail or user URI).")
    external_calendar_id = models.CharField(max_length=500, blank=True)
    # OAuth tokens, CalDAV password or Calendly token, encrypted at rest and never returned by the API.
    credentials = EncryptedJSONField()
    token_expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    last_error = models.TextField(blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True, help_text="accounts.User id (public schema).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "provider", "account"], name="one_integration_per_account")
        ]

    def __str__(self):
        return f"{self.get_provider_display()} {self.account}"


class ExternalEvent(models.Model):
    """An appointment's copy in an integrated calendar, so updates and cancellations reach the same event."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="external_events")
    integration = models.ForeignKey(CalendarIntegration, on_delete=models.CASCADE, related_name="events")
    external_id = models.CharField(max_length=1000)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["appointment", "integration"], name="one_event_per_integration")]


class Reminder(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email"
        SMS = "sms"

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    send_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["send_at", "id"]
        indexes = [models.Index(fields=["status", "send_at"])]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "channel", "send_at"], name="one_reminder_per_time")
        ]


class AttendeeMessage(models.Model):
    """A confirmation to the person an appointment is with, by email (with an ICS attachment) or SMS, for one change
    of the appointment (booked, rescheduled, cancelled). Its idempotency key names the appointment, the change (a
    move by its new start) and the channel, so each change is sent once however often it is recorded or queued."""

    class Change(models.TextChoices):
        BOOKED = "booked"
        RESCHEDULED = "rescheduled"
        CANCELLED = "cancelled"

    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="attendee_messages")
    change = models.CharField(max_length=16, choices=Change.choices)
    channel = models.CharField(max_length=8, choices=Reminder.Channel.choices)
    to = models.CharField(max_length=254)
    idempotency_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
