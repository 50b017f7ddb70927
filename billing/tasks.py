from celery import shared_task

from billing import services
from config.errors import Unavailable, UpstreamError


@shared_task(
    name=services.REPORT_USAGE_TASK,
    autoretry_for=(UpstreamError, Unavailable),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=10,
)
def report_usage(key):
    """Queued on commit when a paying tenant's call usage is recorded; Stripe down or refusing: retried with
    backoff, the same meter event identifier each time."""
    return services.report_usage(key)
