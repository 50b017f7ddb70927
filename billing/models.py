"""Billing lives in the public schema: one table for every tenant, each row naming its tenant."""

from django.core.validators import MinValueValidator
from django.db import models


class Plan(models.Model):
    """What a tenant pays and may use: a monthly price, included call minutes (and the price of each minute
    beyond), agents, lines (concurrent calls, inbound and outbound), contacts per campaign, and features. A blank
    limit is unlimited. Exactly one plan is the default: the plan a new tenant tries, and the plan of every tenant
    without a subscription. `billing.quotas` enforces all of it."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=50, unique=True)
    # Offered for self-service (checkout, "the plan that lifts it"); a tenant's custom plan is not.
    is_listed = models.BooleanField(default=False)
    # Blank: custom pricing (sales), never sold through Checkout.
    monthly_price = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    # Blank: the included minutes are a hard cap; set: minutes beyond them are billed at this price.
    overage_price_per_minute = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    max_concurrent_calls = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    # Included call minutes per month; blank: no monthly cap on call minutes.
    monthly_minutes = models.PositiveIntegerField(null=True, blank=True)

    class MinuteRounding(models.TextChoices):
        UP = "up", "Each call rounded up to a whole minute"
        NEAREST = "nearest", "Each call rounded to the nearest minute (half up)"
        DOWN = "down", "Each call rounded down to a whole minute"

    # How a call's seconds become billable minutes (reported to Stripe's meter as whole minutes).
    minute_rounding = models.CharField(max_length=16, choices=MinuteRounding.choices, default=MinuteRounding.UP)
    max_agents = models.PositiveIntegerField(null=True, blank=True)
    max_campaign_contacts = models.PositiveIntegerField(null=True, blank=True)
    branching_templates = models.BooleanField(default=False)
    calendar_integrations = models.BooleanField(default=False)
    campaigns = models.BooleanField(default=False)
    api_access = models.BooleanField(default=False)
    # An agency's plan: making client tenants, under the agency's brand (agencies.services).
    white_label = models.BooleanField(default=False)
    # What an agency on this plan pays per billable minute of its clients' calls (Stripe's client-minutes meter);
    # blank: its clients' minutes are not billed to it.
    client_minute_price = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    # Written by `manage.py sync_stripe_plans`.
    stripe_product_id = models.CharField(max_length=100, blank=True)
    stripe_price_id = models.CharField(max_length=100, blank=True)
    # The metered price of the minutes beyond those included (plans with an overage price).
    stripe_minutes_price_id = models.CharField(max_length=100, blank=True)
    # The metered price of the clients' minutes (plans with a client minute price).
    stripe_client_minutes_price_id = models.CharField(max_length=100, blank=True)
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
    """The plan a tenant is on (one per tenant) and how it stands with Stripe, written by `billing.services` only
    (operators, trials and Stripe's webhooks)."""

    class Status(models.TextChoices):
        # Stripe's subscription statuses; a subscription set by an operator is active.
        TRIALING = "trialing", "Trialing"
        ACTIVE = "active", "Active"
        PAST_DUE = "past_due", "Past due"
        UNPAID = "unpaid", "Unpaid"
        CANCELED = "canceled", "Canceled"
        INCOMPLETE = "incomplete", "Incomplete"
        INCOMPLETE_EXPIRED = "incomplete_expired", "Incomplete (expired)"
        PAUSED = "paused", "Paused"

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="subscription")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.ACTIVE)
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    # When the first unpaid invoice failed; the grace period (BILLING_PAYMENT_GRACE_DAYS) runs from here.
    payment_failed_at = models.DateTimeField(null=True, blank=True)
    stripe_customer_id = models.CharField(max_length=100, blank=True)
    stripe_subscription_id = models.CharField(max_length=100, blank=True)
    # The `created` time of the newest Stripe event applied to this subscription: an older one changes nothing.
    stripe_event_created = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tenant__name"]
        constraints = [
            models.UniqueConstraint(
                name="one_tenant_per_stripe_customer",
                fields=["stripe_customer_id"],
                condition=~models.Q(stripe_customer_id=""),
            ),
        ]

    def __str__(self):
        return f"{self.tenant} on {self.plan}"


class UsageRecord(models.Model):
    """Metered usage, one row per billable thing (a call's seconds), written by `billing.services` only."""

    class Kind(models.TextChoices):
        CALL_SECONDS = "call_seconds", "Call seconds"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="usage_records")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    quantity = models.PositiveIntegerField()
    # The call's minutes by its plan's rounding rule, and how many of them Stripe's meter has been told.
    billable_minutes = models.PositiveIntegerField(default=0)
    reported_minutes = models.PositiveIntegerField(default=0)
    reported_at = models.DateTimeField(null=True, blank=True)
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


class StripeEvent(models.Model):
    """A Stripe webhook event that was applied: its id is claimed (INSERT … ON CONFLICT DO NOTHING) in the transaction
    that applies it, so a replayed or concurrent duplicate changes nothing."""

    id = models.CharField(max_length=100, primary_key=True)
    type = models.CharField(max_length=100)
    created = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return f"{self.type} {self.id}"


class ClientPrice(models.Model):
    """What an agency charges one of its clients (rebilling): a monthly price and a price per billable minute (the
    agency's markup over what the platform bills it). The platform bills the agency through Stripe; the agency bills
    its clients itself from the roll-up (`GET /api/agency/usage`), which prices each client's month with this."""

    client = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="client_price")
    monthly_price = models.DecimalField(max_digits=9, decimal_places=2, default=0, validators=[MinValueValidator(0)])
    minute_price = models.DecimalField(max_digits=7, decimal_places=4, default=0, validators=[MinValueValidator(0)])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["client__name"]

    def __str__(self):
        return f"{self.client}: {self.monthly_price} + {self.minute_price}/min"
