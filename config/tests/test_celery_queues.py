"""Celery queues split by kind of job (settings CELERY_TASK_ROUTES), so that each scales on its own; a worker started
without -Q consumes them all."""

import pytest
from django.conf import settings

from config.celery import app


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def queue(kind: str) -> str:
    return f"{settings.CELERY_TASK_DEFAULT_QUEUE}-{kind}"  # the test settings prefix every queue with the run's own


@pytest.mark.parametrize(
    ("task", "kind"),
    [
        ("campaigns.dispatch", "dialer"),
        ("campaigns.dial_attempt", "dialer"),
        ("calls.analyse_call", "analysis"),
        ("agents.index_knowledge_file", "indexing"),
        ("webhooks.deliver", "webhooks"),
        ("webhooks.dispatch_due", "webhooks"),
        ("notifications.send_email", "email"),
    ],
)
def test_each_kind_of_job_has_a_queue_of_its_own(task, kind):
    assert queue_of(task) == queue(kind)


def test_other_jobs_go_to_the_default_queue():
    assert queue_of("scheduling.send_due_reminders") == settings.CELERY_TASK_DEFAULT_QUEUE


def test_a_worker_without_q_consumes_every_queue():
    consumed = {q.name for q in app.conf.task_queues}
    assert consumed == {settings.CELERY_TASK_DEFAULT_QUEUE} | {
        queue(kind) for kind in ("dialer", "analysis", "indexing", "webhooks", "email")
    }
