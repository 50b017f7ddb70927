from celery import shared_task
from django.db import connection

from calls.services import postcall, reaper
from calls.services.lifecycle import ANALYSE_TASK


@shared_task(name=ANALYSE_TASK)
def analyse_call(call_id):
    """Queued on commit when a call finishes, in its tenant's schema (config/celery.py)."""
    call = postcall.analyse_call(call_id)
    return call.sentiment if call else None


@shared_task(name="calls.reap_stale_calls")
def reap_stale_calls():
    """Run every minute by beat for every tenant: calls stuck live past their deadline end and free their line."""
    return {"schema": connection.schema_name, "reaped": reaper.reap_stale_calls()}
