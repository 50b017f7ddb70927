from celery import shared_task

from tenants import services


@shared_task(name=services.CLOSE_TASK, public=True)
def delete_closed_tenants():
    """Run hourly by beat on the public schema: closed tenants past their grace period are deleted."""
    return services.delete_closed_tenants()
