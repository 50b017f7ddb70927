"""Shared reads of billing (public schema): always filtered by tenant."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, Count, F, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from billing import gateway, metering
from billing.models import ClientPrice, Plan, Subscription, UsageRecord
from config.databases import analytics_database
from tenants.models import Tenant

FEATURES = {
    "branching_templates": "Branching call templates",
    "calendar_integrations": "Calendar integrations",
    "campaigns": "Campaigns and bulk calls",
    "api_access": "API access",
    "white_label": "White-label",
}


@dataclass(frozen=True)
class Limits:
    max_concurrent_calls: int
    monthly_minutes: int | None  # None: unlimited


def resolve_tenant(tenant) -> Tenant | None:
    """The tenant itself, also from django-tenants' stand-in under `schema_context` (it knows only its schema name);
    None for a schema no tenant owns (the template)."""
    if tenant is None or getattr(tenant, "pk", None) is not None:
        return tenant
    return Tenant.objects.filter(schema_name=tenant.schema_name).first()


def subscription_of(tenant) -> Subscription | None:
    tenant = resolve_tenant(tenant)
    if tenant is None:
        return None
    return Subscription.objects.select_related("plan").filter(tenant=tenant).first()


def plan_of(tenant) -> Plan:
    """The tenant's plan; a tenant without a subscription is on the default plan."""
    subscription = subscription_of(tenant)
    return subscription.plan if subscription is not None else Plan.objects.get(is_default=True)


def default_plan() -> Plan:
    return Plan.objects.get(is_default=True)


def listed_plan(slug) -> Plan | None:
    """A plan offered for self-service, by its slug."""
    return Plan.objects.filter(slug=slug, is_listed=True).first()


def limits(tenant) -> Limits:
    """What the tenant's plan allows, read afresh on every call so a plan change applies at once."""
    plan = plan_of(tenant)
    return Limits(max_concurrent_calls=plan.max_concurrent_calls, monthly_minutes=plan.monthly_minutes)


# Stripe statuses that stop outbound calling at once (past_due does after the grace period).
LAPSED = {
    Subscription.Status.UNPAID,
    Subscription.Status.CANCELED,
    Subscription.Status.INCOMPLETE,
    Subscription.Status.INCOMPLETE_EXPIRED,
    Subscription.Status.PAUSED,
}


@dataclass(frozen=True)
class Standing:
    """Whether the tenant may call out: `restricted` names why not (it may still take inbound calls)."""

    restricted: str  # "" | "trial_ended" | "payment_failed" | "subscription_<status>"
    detail: str


def standing(tenant, *, now=None) -> Standing:
    now = now or timezone.now()
    subscription = subscription_of(tenant)
    if subscription is None:
        return Standing("", "")
    status = subscription.status
    if status == Subscription.Status.TRIALING and subscription.trial_ends_at and subscription.trial_ends_at <= now:
        return Standing("trial_ended", "The trial has ended: choose a plan to call out again.")
    if status == Subscription.Status.PAST_DUE and subscription.payment_failed_at is not None:
        grace_ends = subscription.payment_failed_at + timedelta(days=settings.BILLING_PAYMENT_GRACE_DAYS)
        if grace_ends <= now:
            return Standing(
                "payment_failed",
                f"A payment failed on {subscription.payment_failed_at:%Y-%m-%d} and is still due: outbound calls "
                "are paused, inbound calls go on. Update the payment method in the billing portal.",
            )
    if status in LAPSED:
        return Standing(
            f"subscription_{status}", f"The subscription is {status.replace('_', ' ')}: only inbound calls go on."
        )
    return Standing("", "")


def plan_as_dict(plan: Plan) -> dict:
    def money(value):
        return None if value is None else str(value)

    return {
        "slug": plan.slug,
        "name": plan.name,
        "monthly_price": money(plan.monthly_price),
        "overage_price_per_minute": money(plan.overage_price_per_minute),
        "monthly_minutes": plan.monthly_minutes,
        "max_agents": plan.max_agents,
        "max_concurrent_calls": plan.max_concurrent_calls,
        "max_campaign_contacts": plan.max_campaign_contacts,
        "features": {feature: getattr(plan, feature) for feature in FEATURES},
    }


def subscription_summary(tenant) -> dict:
    """The tenant's plan and how its subscription stands (null limits: unlimited; a null price: custom), this
    month's use, and the plans it may choose in Checkout."""
    subscription = subscription_of(tenant)
    plan = subscription.plan if subscription is not None else plan_of(tenant)
    found = standing(tenant)
    return {
        "plan": plan_as_dict(plan),
        "status": subscription.status if subscription is not None else Subscription.Status.ACTIVE,
        "trial_ends_at": getattr(subscription, "trial_ends_at", None),
        "current_period_end": getattr(subscription, "current_period_end", None),
        "cancel_at_period_end": getattr(subscription, "cancel_at_period_end", False),
        "payment_failed_at": getattr(subscription, "payment_failed_at", None),
        "has_billing_account": bool(getattr(subscription, "stripe_customer_id", "")),
        "restriction": {"reason": found.restricted, "detail": found.detail} if found.restricted else None,
        "usage": {
            "minutes_used_this_month": round(metering.minutes_used_this_month(), 2),
            "lines_in_use": metering.lines_in_use(),
        },
        "plans": [plan_as_dict(listed) for listed in Plan.objects.filter(is_listed=True).order_by("monthly_price")],
    }


def invoices_of(tenant, *, limit: int) -> list[dict]:
    """The tenant's latest invoices from Stripe (none before it has a billing account)."""
    subscription = subscription_of(tenant)
    if subscription is None or not subscription.stripe_customer_id:
        return []
    return gateway.invoices(subscription.stripe_customer_id, limit=limit)


def api_rate_limits(tenant) -> dict[int, int]:
    """The API request limits the tenant's plan sets, by window in seconds (setting RATELIMIT_PLAN_LIMITS); a window
    the plan leaves blank keeps the platform's default."""
    plan = plan_of(tenant)
    limits = {60: plan.api_requests_per_minute, 3600: plan.api_requests_per_hour}
    return {seconds: limit for seconds, limit in limits.items() if limit is not None}


def usage_summary(tenant, *, date_from, date_to, tz) -> dict:
    """Call seconds of the tenant per calendar day of `tz` in [date_from, date_to] (every day listed), and totals (from
    the analytics database, `config.databases`)."""
    start = timezone.make_aware(datetime.combine(date_from, time.min), tz)
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), tz)
    records = UsageRecord.objects.using(analytics_database()).filter(
        kind=UsageRecord.Kind.CALL_SECONDS, occurred_at__gte=start, occurred_at__lt=end, quantity__gt=0
    )
    if tenant is not None:  # None: every tenant's (the operators' view)
        records = records.filter(tenant=tenant)
    days = {
        row["day"]: row
        for row in records.order_by()
        .annotate(day=TruncDate("occurred_at", tzinfo=tz))
        .values("day")
        .annotate(seconds=Sum("quantity"), calls=Count("id"))
    }
    per_day = []
    for offset in range((date_to - date_from).days + 1):
        day = date_from + timedelta(days=offset)
        row = days.get(day, {"seconds": 0, "calls": 0})
        per_day.append({"date": day.isoformat(), "seconds": row["seconds"], "calls": row["calls"]})
    seconds = sum(row["seconds"] for row in per_day)
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "call_seconds": seconds,
        "call_minutes": round(seconds / 60, 2),
        "calls": sum(row["calls"] for row in per_day),
        "per_day": per_day,
    }


def client_price_of(client) -> ClientPrice:
    """The agency's price for the client; nothing charged until the agency sets one."""
    return ClientPrice.objects.filter(client=client).first() or ClientPrice(client=client)


def rebilling(client, *, start, end) -> dict:
    """What the agency charges the client for [start, end): its monthly price and each billable minute of the calls
    in it at the client's minute price (the plan's rounding rule made the minutes). For a calendar month, this is
    that month's invoice line. The minutes are read from the analytics database (`config.databases`), the price from
    the default one (an agency reads it back right after setting it)."""
    price = client_price_of(client)
    minutes = (
        UsageRecord.objects.using(analytics_database())
        .filter(tenant=client, kind=UsageRecord.Kind.CALL_SECONDS, occurred_at__gte=start, occurred_at__lt=end)
        .aggregate(minutes=Sum("billable_minutes"))["minutes"]
        or 0
    )
    cents = Decimal("0.01")
    monthly = Decimal(price.monthly_price).quantize(cents)
    minutes_amount = (Decimal(price.minute_price) * minutes).quantize(cents)
    return {
        "monthly_price": str(monthly),
        "minute_price": str(Decimal(price.minute_price).quantize(Decimal("0.0001"))),
        "billable_minutes": minutes,
        "minutes_amount": str(minutes_amount),
        "total": str(monthly + minutes_amount),
        "currency": settings.STRIPE_CURRENCY,
    }


def platform_metrics(*, date_from, date_to, top: int = 10) -> dict:
    """For the platform's operators, across every tenant: tenants by status and by plan, calls and minutes per UTC
    day (from the usage records: one per call with seconds), and the tenants that used the most minutes. All from the
    analytics database (`config.databases`)."""
    database = analytics_database()
    tenants = Tenant.objects.using(database).exclude(schema_name=get_public_schema_name())
    by_status = {
        row["state"]: row["n"]
        for row in tenants.annotate(
            state=Case(When(delete_after__isnull=False, then=Value("closing")), default=F("status"))
        )
        .values("state")
        .annotate(n=Count("id"))
        .order_by()
    }
    by_plan = {
        row["subscription__plan__slug"] or "none": row["n"]
        for row in tenants.values("subscription__plan__slug").annotate(n=Count("id")).order_by()
    }
    usage = usage_summary(None, date_from=date_from, date_to=date_to, tz=UTC)
    start = datetime.combine(date_from, time.min, tzinfo=UTC)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=UTC)
    leaders = (
        UsageRecord.objects.using(database)
        .filter(kind=UsageRecord.Kind.CALL_SECONDS, occurred_at__gte=start, occurred_at__lt=end, quantity__gt=0)
        .values("tenant__slug", "tenant__name")
        .annotate(seconds=Sum("quantity"), calls=Count("id"))
        .order_by("-seconds", "tenant__slug")[:top]
    )
    return {
        "tenants": {"total": sum(by_status.values()), "by_status": by_status, "by_plan": by_plan},
        "usage": {key: usage[key] for key in ("date_from", "date_to", "calls", "call_minutes")}
        | {
            "per_day": [
                {"date": d["date"], "calls": d["calls"], "minutes": round(d["seconds"] / 60, 2)}
                for d in usage["per_day"]
            ]
        },
        "top_tenants": [
            {
                "slug": row["tenant__slug"],
                "name": row["tenant__name"],
                "calls": row["calls"],
                "minutes": round(row["seconds"] / 60, 2),
            }
            for row in leaders
        ],
    }
