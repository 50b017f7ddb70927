from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from config.crypto import EncryptedTextField


class Call(models.Model):
    """One conversation with an agent: a phone call (inbound/outbound) or a sandbox session.

    The engine's state between turns lives in `state`, so a call can be resumed by any process.
    """

    class Direction(models.TextChoices):
        INBOUND = "inbound"
        OUTBOUND = "outbound"
        SANDBOX = "sandbox"

    class Status(models.TextChoices):
        QUEUED = "queued"
        RINGING = "ringing"
        IN_PROGRESS = "in_progress"
        COMPLETED = "completed"
        BUSY = "busy"
        NO_ANSWER = "no_answer"
        FAILED = "failed"
        CANCELED = "canceled"

    class VoicemailAction(models.TextChoices):
        HANG_UP = "hang_up"
        LEAVE_MESSAGE = "leave_message"

    FINAL_STATUSES = {Status.COMPLETED, Status.BUSY, Status.NO_ANSWER, Status.FAILED, Status.CANCELED}

    direction = models.CharField(max_length=16, choices=Direction.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    agent = models.ForeignKey("agents.Agent", null=True, on_delete=models.SET_NULL, related_name="calls")
    # The immutable flow version the call started with: later edits of the template never change it.
    flow_version = models.ForeignKey(
        "agents.FlowVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    from_number = models.CharField(max_length=32, blank=True)
    to_number = models.CharField(max_length=32, blank=True)
    twilio_call_sid = models.CharField(max_length=64, null=True, blank=True, unique=True)
    is_test = models.BooleanField(default=False, help_text="Sandbox and agent-test conversations.")
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    end_reason = models.CharField(max_length=64, blank=True)
    state = models.JSONField(default=dict, blank=True)
    summary = models.TextField(blank=True)
    sentiment = models.CharField(max_length=16, blank=True)
    extraction = models.JSONField(default=dict, blank=True)
    success = models.BooleanField(null=True, blank=True)
    # Telephony: recorded before Twilio is asked to dial, so a retried request never dials twice.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    contact_variables = models.JSONField(default=dict, blank=True)
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    # When answering machine detection says a machine picked up an outbound call. Blank: leave the
    # agent's voicemail message if it has one, else hang up.
    voicemail_action = models.CharField(max_length=16, choices=VoicemailAction.choices, blank=True)
    answered_by = models.CharField(max_length=32, blank=True, help_text="Twilio answering machine detection result.")
    # Staff controls of a live call. On hold the caller hears music and no media stream runs until it is
    # resumed; muted, the media session sends no agent audio and takes no caller turn.
    on_hold = models.BooleanField(default=False)
    agent_muted = models.BooleanField(default=False)
    # What the engine's outside-world actions (send_sms, webhook) did: [{"action", "turn", "ok", ...}].
    action_log = models.JSONField(default=list, blank=True)
    recording_sid = models.CharField(max_length=64, blank=True)
    recording_url = models.URLField(max_length=500, blank=True)
    recording_duration = models.PositiveIntegerField(null=True, blank=True)
    # The recording's name in the platform's `recordings` storage once copied there (Twilio's copy is then deleted).
    recording_file = models.CharField(max_length=300, blank=True)
    # The caller's answer when the agent asks for consent to record (null: not asked); no means no audio is kept.
    recording_consent = models.BooleanField(null=True, blank=True)
    recording_consent_at = models.DateTimeField(null=True, blank=True)
    # A call handled by an external voice bot and ingested through the API, keyed by its own id.
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    # Post-call analysis: the finalised transcript, searchable, and the billable usage.
    transcript = models.TextField(blank=True)
    search_vector = SearchVectorField(null=True, blank=True)
    billable_seconds = models.PositiveIntegerField(null=True, blank=True)
    # What the call cost by part (telephony, STT, LLM, TTS) at the providers' prices (billing.costs).
    cost = models.JSONField(default=dict, blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["agent", "created_at"]),
            models.Index(fields=["status"]),
            GinIndex(fields=["search_vector"], name="call_transcript_search"),
        ]

    def __str__(self):
        return f"{self.get_direction_display()} call {self.pk} ({self.status})"

    @property
    def is_finished(self):
        return self.status in self.FINAL_STATUSES


class CallTurn(models.Model):
    class Speaker(models.TextChoices):
        CALLER = "caller"
        AGENT = "agent"
        SYSTEM = "system"

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="turns")
    index = models.PositiveIntegerField()
    speaker = models.CharField(max_length=8, choices=Speaker.choices)
    text = models.TextField(blank=True)
    node_id = models.CharField(max_length=100, blank=True)
    actions = models.JSONField(default=list, blank=True)
    # Barge-in: the agent was cut off and the caller heard only `heard_text`.
    interrupted = models.BooleanField(default=False)
    heard_text = models.TextField(blank=True)
    # An agent turn's stages, in milliseconds: the end-of-turn detection's wait after the caller's last voiced
    # frame (`vad_ms`), recognition, the engine (with its LLM), synthesis (all of it, and before the first
    # sentence's audio), and from the caller's last voiced frame to the answer's first frame sent (`total_ms`).
    vad_ms = models.FloatField(null=True, blank=True)
    stt_ms = models.FloatField(null=True, blank=True)
    llm_ms = models.FloatField(null=True, blank=True)
    tts_ms = models.FloatField(null=True, blank=True)
    tts_first_ms = models.FloatField(null=True, blank=True)
    engine_ms = models.FloatField(null=True, blank=True)
    total_ms = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["call", "index"]
        constraints = [models.UniqueConstraint(fields=["call", "index"], name="one_turn_per_index")]

    def __str__(self):
        return f"{self.speaker}: {self.text[:60]}"


class TwilioAccount(models.Model):
    """The tenant's own Twilio account (one per tenant); the auth token is encrypted and never returned.

    Its line and minute limits come from the tenant's billing plan (`billing.selectors.limits`); what happens
    to an inbound call beyond them is the tenant's choice, kept here.
    """

    account_sid = models.CharField(max_length=34)
    auth_token = EncryptedTextField()

    class Overflow(models.TextChoices):
        QUEUE = "queue"
        VOICEMAIL = "voicemail"

    # An inbound call beyond the plan's lines waits for one (queue), up to max_queue_wait_seconds, then may
    # leave a voicemail; or goes to voicemail at once.
    overflow_action = models.CharField(max_length=16, choices=Overflow.choices, default=Overflow.QUEUE)
    max_queue_wait_seconds = models.PositiveIntegerField(default=120)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(name="one_twilio_account", condition=models.Q(id=1))]

    def __str__(self):
        return f"Twilio {self.account_sid}"


class WebhookSecret(models.Model):
    """The tenant's key for the flows' `webhook` action: each request carries `Webhook-Signature`, an HMAC-SHA256
    of its timestamp and body with this secret (docs/webhooks.md), so the receiver knows it comes from us unchanged."""

    secret = EncryptedTextField()
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(name="one_webhook_secret", condition=models.Q(id=1))]

    def __str__(self):
        return "webhook signing secret"


class PhoneNumber(models.Model):
    class Source(models.TextChoices):
        IMPORTED = "imported"
        PURCHASED = "purchased"

    number = models.CharField(max_length=16, unique=True, help_text="E.164, e.g. +14155550123.")
    twilio_sid = models.CharField(max_length=34, blank=True)
    friendly_name = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    agent = models.ForeignKey(
        "agents.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="phone_numbers"
    )
    inbound_enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return self.number


class CallNote(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="notes")
    author_id = models.BigIntegerField(null=True, blank=True, help_text="accounts.User id (public schema).")
    author_label = models.CharField(max_length=254, blank=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["call", "created_at", "id"]

    def __str__(self):
        return self.text[:60]


class CallFeedback(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    author_id = models.BigIntegerField(null=True, blank=True, help_text="accounts.User id (public schema).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"feedback on call {self.call_id}"


class TurnCorrection(models.Model):
    """A flagged agent turn with the reply it should have given; once applied it becomes a training example."""

    feedback = models.ForeignKey(CallFeedback, on_delete=models.CASCADE, related_name="corrections")
    turn = models.ForeignKey(CallTurn, on_delete=models.CASCADE, related_name="corrections")
    agent = models.ForeignKey("agents.Agent", null=True, on_delete=models.SET_NULL, related_name="turn_corrections")
    # The caller's words the agent answered, so the example reads as a question and the better answer.
    caller_text = models.TextField(blank=True)
    original = models.TextField()
    suggested = models.TextField()
    applied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.suggested[:60]


class ShareLink(models.Model):
    """A read-only link to one call, signed, expiring and revocable."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="share_links")
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True, help_text="accounts.User id (public schema).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"share link {self.pk} for call {self.call_id}"


class AnalysisProfile(models.Model):
    """What the post-call analysis extracts for one agent, and what counts as a successful call.

    `fields`: [{"name": "callback_time", "description": "When the caller wants to be called back"}, ...].
    """

    agent = models.OneToOneField("agents.Agent", on_delete=models.CASCADE, related_name="analysis_profile")
    fields = models.JSONField(default=list, blank=True)
    success_criteria = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"analysis profile of {self.agent}"
