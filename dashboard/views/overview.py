import zoneinfo
from datetime import date, datetime, time, timedelta

from django.shortcuts import redirect, render
from django.utils import timezone

from billing.selectors import limits
from calls import selectors as calls
from dashboard.views.base import FormErrors, tenant_page
from scheduling import selectors as scheduling
from tenants.selectors import is_public


@tenant_page("tenant.view")
def overview(request):
    """Today in the tenant's time zone: calls and their answer rate, bookings, and this month's minutes against the
    plan."""
    tz = zoneinfo.ZoneInfo(request.tenant.timezone)
    today = timezone.localdate(timezone=tz)
    start = timezone.make_aware(datetime.combine(today, time.min), tz)
    stats = calls.call_stats(calls.analytics_calls(date_from=today, date_to=today, tz=tz))
    minutes_used = calls.minutes_used_this_month()
    minutes_limit = limits(request.tenant).monthly_minutes
    context = {
        "today": today,
        "calls": stats,
        "answer_rate": None if stats["answer_rate"] is None else round(stats["answer_rate"] * 100),
        "live_calls": calls.live_call_count(),
        "bookings": scheduling.stats(start_from=start, start_to=start + timedelta(days=1))["total"],
        "minutes_used": round(minutes_used, 1),
        "minutes_limit": minutes_limit,
        "minutes_percent": min(100, round(100 * minutes_used / minutes_limit)) if minutes_limit else None,
    }
    try:
        context["charts"] = _charts(request.GET, today, tz)
    except FormErrors as exc:
        context["charts"] = _charts({}, today, tz)
        context["values"] = {name: request.GET.get(name, "") for name in ("from", "to")}
        context["errors"] = exc.errors
        return render(request, "dashboard/overview.html", context, status=400)
    context["values"] = {name: context["charts"][name].isoformat() for name in ("from", "to")}
    return render(request, "dashboard/overview.html", context)


CHART_DAYS = 14
LONGEST_RANGE_DAYS = 366


def _date_range(params, today):
    """The charts' days, `from` and `to` (ISO dates, the tenant's calendar): the last two weeks unless asked."""
    errors = {}
    days = {}
    for name, default in (("from", today - timedelta(days=CHART_DAYS - 1)), ("to", today)):
        raw = (params.get(name) or "").strip()
        try:
            days[name] = date.fromisoformat(raw) if raw else default
        except ValueError:
            errors[name] = ["Enter a date such as 2026-12-07."]
    if not errors and days["from"] > days["to"]:
        errors["to"] = ["The end must not be before the start."]
    if not errors and (days["to"] - days["from"]).days >= LONGEST_RANGE_DAYS:
        errors["to"] = [f"Show at most {LONGEST_RANGE_DAYS} days at a time."]
    if errors:
        raise FormErrors("Please correct the dates.", errors=errors)
    return days["from"], days["to"]


def _charts(params, today, tz):
    """The figures the overview's charts draw (Chart.js, from json_script): calls per day (answered or not),
    sentiment per day, and the agent's turn latency p50/p95 per day."""
    date_from, date_to = _date_range(params, today)
    in_range = calls.analytics_calls(date_from=date_from, date_to=date_to, tz=tz)
    return {
        "from": date_from,
        "to": date_to,
        "calls": calls.calls_per_day(in_range, date_from=date_from, date_to=date_to, tz=tz),
        "latency": calls.turn_latency_per_day(in_range, date_from=date_from, date_to=date_to, tz=tz),
    }


def home(request):
    """The platform's host offers sign-up; a workspace's host its overview."""
    if is_public(getattr(request, "tenant", None)):
        return redirect("dashboard:signup")
    return overview(request)
