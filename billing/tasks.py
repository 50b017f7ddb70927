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


@shared_task(
    name=services.CANCEL_ON_CLOSE_TASK,
    public=True,  # works on the public schema's subscriptions, whoever queued it
    autoretry_for=(UpstreamError, Unavailable),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=10,
)
def cancel_subscription_of_closed_tenant(tenant_id):
    """Queued when a paying tenant is closed."""
    return services.cancel_subscription_of_closed_tenant(tenant_id)
