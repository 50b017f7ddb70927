from celery import shared_task

from compliance import services


@shared_task(name="compliance.run_dnc_import")
def run_dnc_import(job_id):
    return services.run_dnc_import(job_id).status
