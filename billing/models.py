"""Billing lives in the public schema: one table for every tenant, each row naming its tenant."""

from django.core.validators import MinValueValidator
from django.db import models


class Plan(models.Model):
    """What a tenant may use: lines (concurrent calls, inbound and outbound) and call minutes per month.
    Exactly one plan is the default, the plan of every tenant without a subscription."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=50, unique=True)
    max_concurrent_calls = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    # Blank: no monthly cap on call minutes.
    monthly_minutes = models.PositiveIntegerField(null=True, blank=True)
    # API requests per caller (API key, user or IP); blank: the platform's default (settings.RATE_LIMITS["api"]).
    api_requests_per_minute = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    api_requests_per_hour = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # At most one default; `billing.services.make_default_plan` moves the flag, so there is never none.
            models.UniqueConstraint(
                name="one_default_plan", fields=["is_default"], condition=models.Q(is_default=True)
            ),
            models.CheckConstraint(name="plan_has_a_line", condition=models.Q(max_concurrent_calls__gte=1)),
        ]

    def __str__(self):
        return self.name


class Subscription(models.Model):
    """The plan a tenant is on (one per tenant), written by `billing.services.assign_plan` only."""

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="subscription")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tenant__name"]

    def __str__(self):
        return f"{self.tenant} on {self.plan}"


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
