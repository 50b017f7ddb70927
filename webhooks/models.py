from django.contrib.postgres.fields import ArrayField
from django.db import models

from config.crypto import EncryptedTextField


class Endpoint(models.Model):
    """A URL of the tenant's that receives the domain events of the types it chose, signed with its own secret."""

    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    event_types = ArrayField(models.CharField(max_length=64))
    secret = EncryptedTextField()
    is_active = models.BooleanField(default=True)
    # Set when a delivery to it fails after it last succeeded; N days of that and it is disabled.
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.url


class Delivery(models.Model):
    """One event for one endpoint (or one request of a flow's `webhook` action, with no endpoint), until it
    succeeds or its retry window closes. Whoever sends an attempt first claims it by a conditional UPDATE."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERING = "delivering"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    endpoint = models.ForeignKey(Endpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    url = models.URLField(max_length=2000)
    # A flow action's delivery signs with the secret it was given (an endpoint's signs with the endpoint's).
    signing_secret = EncryptedTextField(blank=True)
    event_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=64)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A claim's lease: past it, a worker that died mid-attempt no longer holds the delivery.
    claimed_until = models.DateTimeField(null=True, blank=True)
    retry_until = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"],
                condition=models.Q(endpoint__isnull=False),
                name="one_delivery_per_endpoint_and_event",
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["pending", "delivering"]),
                name="webhook_delivery_due",
            )
        ]


class Attempt(models.Model):
    """One request of a delivery and what came of it: the delivery log."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    url = models.URLField(max_length=2000)
    request_headers = models.JSONField()
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    latency_ms = models.PositiveIntegerField()
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["number", "id"]

    @property
    def succeeded(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300
