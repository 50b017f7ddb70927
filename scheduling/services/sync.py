"""Two-way work with integrated external calendars: their busy times block our slots; our appointments are
created, updated and deleted as events in them."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from scheduling.calendars.base import CalendarAPIError, EventData
from scheduling.models import Appointment, Calendar, CalendarIntegration, ExternalEvent
from scheduling.services import integrations

EVENT_PROVIDERS = (
    CalendarIntegration.Provider.GOOGLE,
    CalendarIntegration.Provider.MICROSOFT,
    CalendarIntegration.Provider.CALDAV,
)


def uid_of(appointment: Appointment) -> str:
    """Globally unique and stable: the same in the ICS feed and in every external calendar."""
    return f"appointment-{appointment.pk}@{connection.schema_name}.{settings.BASE_DOMAIN}"


def event_data(appointment: Appointment) -> EventData:
    attendees = (
        [{"name": appointment.contact_name, "email": appointment.contact_email}] if appointment.contact_email else []
    )
    attendees += [a for a in appointment.attendees if a.get("email")]
    details = [appointment.description] if appointment.description else []
    details += [
        f"{label}: {value}"
        for label, value in (("Contact", appointment.contact_name), ("Phone", appointment.contact_phone))
        if value
    ]
    zone = ZoneInfo(appointment.calendar.timezone)
    return EventData(
        uid=uid_of(appointment),
        title=appointment.title,
        start=appointment.start.astimezone(zone),
        end=appointment.end.astimezone(zone),
        timezone=appointment.calendar.timezone,
        description="\n".join(details),
        location=appointment.location,
        attendees=attendees,
    )


def _synced(calendar: Calendar):
    return calendar.integrations.filter(provider__in=EVENT_PROVIDERS)


def busy_times(calendar: Calendar, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Busy intervals of every integrated calendar. A calendar that cannot be read fails the whole question:
    offering a time we could not check would risk a double booking."""
    busy = []
    for integration in _synced(calendar):
        busy += integrations.using(integration, lambda client: client.busy(start, end))
    return busy


def push(appointment: Appointment) -> None:
    """Brings every integrated calendar's copy in line with the appointment (idempotent); the first failure is
    raised after the other integrations were tried, so a retry finishes the job."""
    failure = None
    data = event_data(appointment)
    for integration in _synced(appointment.calendar):
        existing = ExternalEvent.objects.filter(appointment=appointment, integration=integration).first()
        try:
            if appointment.status == Appointment.Status.CANCELLED:
                if existing:
                    integrations.using(integration, lambda client: client.delete_event(existing.external_id))  # noqa: B023 (called at once)
                    existing.delete()
            elif existing:
                integrations.using(integration, lambda client: client.update_event(existing.external_id, data))  # noqa: B023 (called at once)
                existing.save(update_fields=["synced_at"])
            else:
                external_id = integrations.using(integration, lambda client: client.create_event(data))
                ExternalEvent.objects.create(appointment=appointment, integration=integration, external_id=external_id)
        except CalendarAPIError as exc:
            failure = failure or exc
    if failure:
        raise failure


def delete_events(events: list[tuple[int, str]]) -> None:
    """Removes events of appointments deleted here: [(integration id, external id)]."""
    for integration in CalendarIntegration.objects.filter(pk__in={integration_id for integration_id, _ in events}):
        for integration_id, external_id in events:
            if integration_id == integration.pk:
                integrations.using(integration, lambda client: client.delete_event(external_id))  # noqa: B023 (called at once)
