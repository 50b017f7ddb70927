"""Billing's writers: plans and which plan a tenant is on (operators, trials, Stripe Checkout and Stripe's webhooks);
usage metering (the only writer of `UsageRecord`)."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing import selectors
from billing.models import Plan, Subscription, UsageRecord
from compliance.services import record_audit_event

# Plans ----------------------------------------------------------------------------------------


@transaction.atomic
def make_default_plan(plan: Plan) -> Plan:
    """The plan of every tenant without a subscription. The flag moves in one transaction, so exactly one plan
    has it (the default plan cannot be deleted, nor unset except by making another plan the default)."""
    now = timezone.now()
    Plan.objects.filter(is_default=True).exclude(pk=plan.pk).update(is_default=False, updated_at=now)
    Plan.objects.filter(pk=plan.pk).update(is_default=True, updated_at=now)
    plan.refresh_from_db()
    return plan


@transaction.atomic
def assign_plan(tenant, plan: Plan, *, actor=None) -> Subscription:
    """Puts the tenant on `plan`, effective at once (limits are read per call and per dial), and records the
    change in the tenant's audit log, where its owners see it."""
    previous = selectors.plan_of(tenant)
    subscription, _ = Subscription.objects.update_or_create(tenant=tenant, defaults={"plan": plan})
    with tenant_context(tenant):
        record_audit_event(
            action="billing.plan_changed",
            actor=actor,
            target=f"plan:{plan.slug}",
            data={"from": previous.slug, "to": plan.slug},
        )
    return subscription


def start_trial(tenant) -> Subscription:
    """A new tenant tries the default plan for BILLING_TRIAL_DAYS; then it calls out only once it subscribes."""
    return Subscription.objects.create(
        tenant=tenant,
        plan=Plan.objects.get(is_default=True),
        status=Subscription.Status.TRIALING,
        trial_ends_at=timezone.now() + timedelta(days=settings.BILLING_TRIAL_DAYS),
    )


# Usage ----------------------------------------------------------------------------------------


def call_usage_key(tenant, call_id) -> str:
    return f"{tenant.schema_name}:call:{call_id}"


def record_call_usage(tenant, call) -> UsageRecord | None:
    """The billable seconds of a finished call (`call.billable_seconds`), idempotent: one INSERT .. ON CONFLICT
    on the call's key, so a repeated analysis or a duration Twilio corrected later updates the same row.
    A call with nothing billable adds no row (but zeroes one recorded before)."""
    key = call_usage_key(tenant, call.pk)
    quantity = call.billable_seconds or 0
    if quantity == 0:
        UsageRecord.objects.filter(idempotency_key=key).update(quantity=0, updated_at=timezone.now())
        return None
    record = UsageRecord(
        tenant=tenant,
        kind=UsageRecord.Kind.CALL_SECONDS,
        quantity=quantity,
        call_id=call.pk,
        idempotency_key=key,
        occurred_at=call.started_at or call.created_at,
    )
    UsageRecord.objects.bulk_create(
        [record],
        update_conflicts=True,
        unique_fields=["idempotency_key"],
        update_fields=["quantity", "occurred_at", "updated_at"],
    )
    return record
