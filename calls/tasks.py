from celery import shared_task
from django.db import connection

from calls.services import postcall, reaper, recordings
from calls.services.lifecycle import ANALYSE_TASK
from calls.twilio.client import TwilioError


@shared_task(name=ANALYSE_TASK)
def analyse_call(call_id):
    """Queued on commit when a call finishes, in its tenant's schema (config/celery.py)."""
    call = postcall.analyse_call(call_id)
    return call.sentiment if call else None


@shared_task(name="calls.reap_stale_calls")
def reap_stale_calls():
    """Run every minute by beat for every tenant: calls stuck live past their deadline end and free their line."""
    return {"schema": connection.schema_name, "reaped": reaper.reap_stale_calls()}


@shared_task(name=recordings.STORE_TASK, autoretry_for=(TwilioError,), retry_backoff=30, max_retries=8)
def store_recording(call_id):
    """Queued when Twilio reports a recording: the copy into our storage, retried while Twilio cannot deliver it."""
    call = recordings.store_recording(call_id)
    return bool(call and call.recording_file)


@shared_task(name=recordings.START_TASK)
def start_recording(call_id):
    recordings.start_recording(call_id)
