from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from calls.models import Call


class Campaign(models.Model):
    """Outbound calls to a contact list by one agent, inside a window, paced, with retries.

    A single call scheduled through `POST /api/calls/schedule` is a hidden campaign of kind `single_call`
    (no list, one attempt due at the asked time), so the same dispatcher dials it.
    """

    class Status(models.TextChoices):
        DRAFT = "draft"
        SCHEDULED = "scheduled"
        RUNNING = "running"
        PAUSED = "paused"
        COMPLETED = "completed"
        CANCELLED = "cancelled"

    class Kind(models.TextChoices):
        CAMPAIGN = "campaign"
        SINGLE_CALL = "single_call"

    class RetryOutcome(models.TextChoices):
        NO_ANSWER = "no_answer"
        BUSY = "busy"
        FAILED = "failed"
        VOICEMAIL = "voicemail"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CAMPAIGN)
    agent = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="campaigns")
    contact_list = models.ForeignKey(
        "contacts.ContactList", null=True, blank=True, on_delete=models.PROTECT, related_name="campaigns"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    # Why the dialer paused the campaign by itself (e.g. `plan_limit:monthly_minutes`); blank when paused by staff.
    paused_reason = models.CharField(max_length=64, blank=True)
    # Window: dates (inclusive) and weekly hours (config/weekly_hours.py format, empty: any time) in `timezone`.
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    hours = models.JSONField(default=dict, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    # When a scheduled campaign starts dialing.
    starts_at = models.DateTimeField(null=True, blank=True)
    calls_per_minute = models.PositiveIntegerField(default=10)
    max_concurrent_calls = models.PositiveIntegerField(default=5)
    max_attempts = models.PositiveSmallIntegerField(default=1)
    retry_delay_minutes = models.PositiveIntegerField(default=60)
    retry_on = ArrayField(models.CharField(max_length=16, choices=RetryOutcome.choices), default=list, blank=True)
    voicemail_action = models.CharField(max_length=16, choices=Call.VoicemailAction.choices, blank=True)
    # Merged under each contact's own variables.
    variables = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self):
        return self.name


class Attempt(models.Model):
    """One dial of one contact. State lives here, not only in the broker: a claim (token + time) is taken by a
    conditional UPDATE, and the idempotency key makes any replayed dial return the call already placed."""

    class Status(models.TextChoices):
        PENDING = "pending"
        CLAIMED = "claimed"
        DIALING = "dialing"
        IN_PROGRESS = "in_progress"
        DONE = "done"
        FAILED = "failed"
        SKIPPED_DNC = "skipped_dnc"
        CANCELLED = "cancelled"
        EXPIRED = "expired"

    # Attempts still to be dialed or whose call is not over: a campaign with none is complete.
    OPEN_STATUSES = (Status.PENDING, Status.CLAIMED, Status.DIALING, Status.IN_PROGRESS)

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="attempts")
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="campaign_attempts"
    )
    number = models.CharField(max_length=16)
    attempt_no = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    due_at = models.DateTimeField()
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    dialed_at = models.DateTimeField(null=True, blank=True)
    call = models.OneToOneField(Call, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaign_attempt")
    # The call's final status (or `voicemail`), or the pre-dial refusal's error code.
    outcome = models.CharField(max_length=32, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        # Partial indexes: what the dialer looks up every tick (due, in flight, dialed in the last minute) stays
        # small, and enqueueing 100,000 attempts writes only the pending index besides the unique ones.
        indexes = [
            models.Index(fields=["campaign", "due_at"], name="attempt_due", condition=Q(status="pending")),
            models.Index(
                fields=["campaign", "status"],
                name="attempt_in_flight",
                condition=Q(status__in=["claimed", "dialing", "in_progress"]),
            ),
            models.Index(fields=["campaign", "dialed_at"], name="attempt_dialed", condition=Q(dialed_at__isnull=False)),
        ]

    def __str__(self):
        return f"{self.number} try {self.attempt_no} ({self.status})"


def idempotency_key(campaign_id: int, contact_id, attempt_no: int) -> str:
    return f"campaign-{campaign_id}-contact-{contact_id}-attempt-{attempt_no}"
