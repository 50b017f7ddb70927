"""The dialer's Celery side; each task runs in the schema of the tenant that queued it (config/celery.py)."""

from celery import shared_task
from django.db import connection

from campaigns.services import dispatch as dispatcher


@shared_task(name="campaigns.dispatch")
def dispatch():
    """Beat, every few seconds, for every tenant: claims what may be dialed now and queues one dial per claim.
    Claims are committed before the dial tasks are sent; claims whose task is lost are sent again later."""
    claims = dispatcher.tick()
    for claim in claims:
        dial_attempt.delay(claim.attempt_id, claim.token)
    return {"schema": connection.schema_name, "claimed": len(claims)}


# acks_late + reject_on_worker_lost: a worker killed mid-dial leaves the message to be delivered again; the
# attempt's idempotency key makes that replay the call instead of dialing twice.
@shared_task(name="campaigns.dial_attempt", acks_late=True, reject_on_worker_lost=True)
def dial_attempt(attempt_id, token):
    dispatcher.dial(attempt_id, token)
