"""Background work of scheduling; each task runs in the schema of the tenant that queued it (config/celery.py)."""

from celery import shared_task
from django.db import connection

from scheduling.calendars.base import CalendarAPIError
from scheduling.models import Appointment
from scheduling.services import confirmations, reminders, sync

RETRY = {"autoretry_for": (CalendarAPIError,), "retry_backoff": 30, "retry_backoff_max": 3600, "max_retries": 8}


@shared_task(name="scheduling.sync_appointment", **RETRY)
def sync_appointment(appointment_id):
    appointment = Appointment.objects.select_related("calendar").filter(pk=appointment_id).first()
    if appointment is not None:
        sync.push(appointment)


@shared_task(name="scheduling.delete_external_events", **RETRY)
def delete_external_events(events):
    sync.delete_events([tuple(event) for event in events])


@shared_task(name="scheduling.send_due_reminders")
def send_due_reminders():
    """Run every minute by beat for every tenant (TenantAwareScheduler sends entries without `tenant_schemas` to every tenant)."""
    return {"schema": connection.schema_name, "sent": reminders.send_due()}


@shared_task(name=confirmations.SEND_TASK)
def send_attendee_message(message_id):
    return confirmations.send(message_id)
