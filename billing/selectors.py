"""Shared reads of billing (public schema): always filtered by tenant."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from billing.models import Plan, Subscription, UsageRecord


@dataclass(frozen=True)
class Limits:
    max_concurrent_calls: int
    monthly_minutes: int | None  # None: unlimited


def plan_of(tenant) -> Plan:
    """The tenant's plan; a tenant without a subscription is on the default plan."""
    subscription = Subscription.objects.select_related("plan").filter(tenant=tenant).first()
    return subscription.plan if subscription is not None else Plan.objects.get(is_default=True)


def limits(tenant) -> Limits:
    """What the tenant's plan allows, read afresh on every call so a plan change applies at once."""
    plan = plan_of(tenant)
    return Limits(max_concurrent_calls=plan.max_concurrent_calls, monthly_minutes=plan.monthly_minutes)


def api_rate_limits(tenant) -> dict[int, int]:
    """The API request limits the tenant's plan sets, by window in seconds (setting RATELIMIT_PLAN_LIMITS); a window
    the plan leaves blank keeps the platform's default."""
    plan = plan_of(tenant)
    limits = {60: plan.api_requests_per_minute, 3600: plan.api_requests_per_hour}
    return {seconds: limit for seconds, limit in limits.items() if limit is not None}


def usage_summary(tenant, *, date_from, date_to, tz) -> dict:
    """Call seconds of the tenant per calendar day of `tz` in [date_from, date_to] (every day listed), and totals."""
    start = timezone.make_aware(datetime.combine(date_from, time.min), tz)
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), tz)
    records = UsageRecord.objects.filter(
        tenant=tenant, kind=UsageRecord.Kind.CALL_SECONDS, occurred_at__gte=start, occurred_at__lt=end, quantity__gt=0
    )
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
