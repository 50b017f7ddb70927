from celery import shared_task

from compliance import privacy, services


@shared_task(name="compliance.run_dnc_import")
def run_dnc_import(job_id):
    return services.run_dnc_import(job_id).status


@shared_task(name=privacy.BUILD_EXPORT_TASK)
def build_export(export_id):
    return privacy.build_export(export_id).status


@shared_task(name="compliance.apply_retention")
def apply_retention():
    """Run hourly by beat for every tenant: recordings and transcripts past the tenant's retention period go."""
    return privacy.apply_retention()
