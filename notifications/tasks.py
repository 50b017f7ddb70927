"""Notification emails on Celery's `email` queue (CELERY_TASK_ROUTES). Public: a notification may belong to no
tenant (the user's own account), and it lives in the public schema anyway."""

from smtplib import SMTPException

from celery import shared_task

from notifications import services


@shared_task(
    name=services.EMAIL_TASK,
    public=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_jitter=True,
    max_retries=8,
)
def send_email(notification_id):
    return services.send_email(notification_id)
