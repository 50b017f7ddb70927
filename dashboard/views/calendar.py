import zoneinfo
from datetime import date, datetime, time, timedelta

from django.shortcuts import render
from django.utils import timezone

from dashboard.views.base import error_page, tenant_page
from scheduling import selectors


@tenant_page("scheduling.view")
def week(request):
    """A week of appointments (Monday to Sunday in the tenant's time zone), with the weeks before and after."""
    tz = zoneinfo.ZoneInfo(request.tenant.timezone)
    try:
        day = date.fromisoformat(request.GET["week"]) if request.GET.get("week") else timezone.localdate(timezone=tz)
    except ValueError:
        return error_page(request, 400, "The week must be a date such as 2026-12-07.")
    monday = day - timedelta(days=day.weekday())
    start = timezone.make_aware(datetime.combine(monday, time.min), tz)
    appointments = selectors.appointments(start_from=start, start_to=start + timedelta(days=7)).order_by("start")
    days = [{"date": monday + timedelta(days=offset), "appointments": []} for offset in range(7)]
    for appointment in appointments:
        days[(timezone.localtime(appointment.start, tz).date() - monday).days]["appointments"].append(appointment)
    context = {
        "days": days,
        "monday": monday,
        "previous": monday - timedelta(days=7),
        "next": monday + timedelta(days=7),
        "tz": tz,
    }
    return render(request, "dashboard/calendar/week.html", context)
