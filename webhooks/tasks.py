"""Webhook deliveries on Celery's `webhooks` queue (CELERY_TASK_ROUTES); each task runs in the schema of the tenant
that queued it."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from webhooks.services import deliveries


# acks_late: a worker killed mid-attempt leaves the message to be delivered again; the claim's lease then lets the
# next worker take over, and never two at once.
@shared_task(name="webhooks.deliver", acks_late=True)
def deliver(delivery_id):
    outcome = deliveries.attempt(delivery_id)
    if outcome is not None and outcome.retry_at is not None:
        deliver.apply_async((delivery_id,), eta=outcome.retry_at)


# A delivery due this long ago is taken for lost: not one whose task is merely waiting behind others in the queue.
LOST_AFTER = timedelta(minutes=5)


@shared_task(name="webhooks.dispatch_due")
def dispatch_due():
    """Beat, for every tenant: queues the deliveries that are overdue because their task was lost (a Redis restart,
    a broker down when it was queued)."""
    due = deliveries.due_delivery_ids(now=timezone.now() - LOST_AFTER)
    for delivery_id in due:
        deliver.delay(delivery_id)
    return {"queued": len(due)}
