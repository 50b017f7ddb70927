import zoneinfo
from datetime import datetime, time, timedelta

from django.shortcuts import redirect, render
from django.utils import timezone

from billing.selectors import limits
from calls import selectors as calls
from dashboard.views.base import tenant_page
from scheduling import selectors as scheduling
from tenants.selectors import is_public


@tenant_page("tenant.view")
def overview(request):
    """Today in the tenant's time zone: calls and their answer rate, bookings, and this month's minutes against the
    plan."""
    tz = zoneinfo.ZoneInfo(request.tenant.timezone)
    today = timezone.localdate(timezone=tz)
    start = timezone.make_aware(datetime.combine(today, time.min), tz)
    stats = calls.call_stats(calls.filter_calls(date_from=today, date_to=today, tz=tz))
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
    context["chart"] = _calls_per_day(today, tz)
    return render(request, "dashboard/overview.html", context)


CHART_DAYS = 14
CHART_HEIGHT = 120


def _calls_per_day(today, tz):
    """The last two weeks' calls per day as bars of an SVG drawn here: attributes only, no script and no inline style
    (the CSP forbids both), with the figures in a table for screen readers."""
    date_from = today - timedelta(days=CHART_DAYS - 1)
    series = calls.calls_per_day(
        calls.filter_calls(date_from=date_from, date_to=today, tz=tz), date_from=date_from, date_to=today, tz=tz
    )
    peak = max((row["total"] for row in series), default=0) or 1
    bars = []
    for position, row in enumerate(series):
        height = round(CHART_HEIGHT * row["total"] / peak)
        answered = round(CHART_HEIGHT * row["answered"] / peak)
        bars.append(
            {
                **row,
                "x": position * 20 + 2,
                "height": height,
                "y": CHART_HEIGHT - height,
                "answered_height": answered,
                "answered_y": CHART_HEIGHT - answered,
            }
        )
    return {"bars": bars, "width": CHART_DAYS * 20, "height": CHART_HEIGHT, "peak": peak}


def home(request):
    """The platform's host offers sign-up; a workspace's host its overview."""
    if is_public(getattr(request, "tenant", None)):
        return redirect("dashboard:signup")
    return overview(request)
