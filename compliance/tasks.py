from celery import shared_task

from compliance import services


@shared_task(name="compliance.record_audit_event")
def record_audit_event(action, target="", data=None):
    """Queued with `.delay()` inside a tenant: runs in that tenant's schema (config/celery.py)."""
    return services.record_audit_event(action=action, target=target, data=data).pk


@shared_task(name="compliance.run_dnc_import")
def run_dnc_import(job_id):
    return services.run_dnc_import(job_id).status
