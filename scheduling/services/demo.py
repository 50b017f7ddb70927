"""The demo tenant's calendar: the default one, in the tenant's time zone, so "10 am" said on a call is 10 am there."""

from scheduling.models import Calendar
from scheduling.services.calendars import default_calendar, tenant_timezone, update_calendar


def seed_demo_calendar() -> Calendar:
    """Idempotent (run inside the tenant's schema): the default calendar in the tenant's time zone. One that an
    earlier install made in another zone (UTC) moves to the tenant's while nothing is booked on it."""
    calendar = default_calendar()
    zone = tenant_timezone()
    if calendar.timezone != zone and not calendar.appointments.exists():
        update_calendar(calendar, timezone=zone)
    return calendar
