"""Billing lives in the public schema: one table for every tenant, each row naming its tenant."""
from django.db import models


class UsageRecord(models.Model):
    """Metered usage, one row per billable thing (a call's seconds), written by `billing.services` only."""

    class Kind(models.TextChoices):
        CALL_SECONDS = "call_seconds", "Call seconds"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="usage_records")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    quantity = models.PositiveIntegerField()
    # The call's id in its tenant's schema (no foreign key across schemas).
    call_id = models.BigIntegerField(null=True, blank=True)
    # "<schema>:call:<id>": recording the same call again updates its row instead of adding one.
    idempotency_key = models.CharField(max_length=200, unique=True)
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["tenant", "kind", "occurred_at"])]

    def __str__(self):
        return f"{self.tenant_id} {self.kind} {self.quantity}"
