from celery import shared_task

from tenants import services


@shared_task(name=services.CLOSE_TASK, public=True)
def delete_closed_tenants():
    """Run hourly by beat on the public schema: closed tenants past their grace period are deleted."""
    return services.delete_closed_tenants()


@shared_task(name=services.VERIFY_TASK, public=True)
def verify_pending_domains():
    """Run every few minutes by beat on the public schema: custom domains whose TXT record now holds their token."""
    return services.verify_pending_domains()
