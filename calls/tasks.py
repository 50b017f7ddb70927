from celery import shared_task

from calls.services import postcall
from calls.services.lifecycle import ANALYSE_TASK


@shared_task(name=ANALYSE_TASK)
def analyse_call(call_id):
    """Queued on commit when a call finishes, in its tenant's schema (config/celery.py)."""
    call = postcall.analyse_call(call_id)
    return call.sentiment if call else None
