from django.db import models


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
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agent", "created_at"]), models.Index(fields=["status"])]

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
    stt_ms = models.FloatField(null=True, blank=True)
    llm_ms = models.FloatField(null=True, blank=True)
    tts_ms = models.FloatField(null=True, blank=True)
    engine_ms = models.FloatField(null=True, blank=True)
    total_ms = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["call", "index"]
        constraints = [models.UniqueConstraint(fields=["call", "index"], name="one_turn_per_index")]

    def __str__(self):
        return f"{self.speaker}: {self.text[:60]}"
