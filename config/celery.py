"""Celery app whose tasks run in the schema of the tenant that queued them.

tenant-schemas-celery stamps the current schema into every message's headers and switches to it
in the worker before the task runs; `TenantScopedTask` refuses to run on the public schema, so a
task queued outside a tenant fails instead of reading shared tables.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from celery.signals import task_failure  # noqa: E402
from django.db import (
    connection,  # noqa: E402
    transaction,  # noqa: E402
)
from tenant_schemas_celery.app import CeleryApp  # noqa: E402
from tenant_schemas_celery.task import TenantTask, headers_with_schema  # noqa: E402


class TenantRequired(RuntimeError):
    pass


class TenantScopedTask(TenantTask):
    # Tasks that work across tenants (beat fan-out, billing) set `public = True`.
    public = False

    def __call__(self, *args, **kwargs):
        from django_tenants.utils import get_public_schema_name

        if not self.public and connection.schema_name == get_public_schema_name():
            raise TenantRequired(f"Task {self.name} was queued without a tenant.")
        return super().__call__(*args, **kwargs)


class App(CeleryApp):
    task_cls = "config.celery:TenantScopedTask"


app = App("voiceagents")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_failure.connect
def _count_failure(sender=None, **kwargs):
    from config import metrics  # this module loads before Django's settings are ready

    metrics.CELERY_TASK_FAILURES.labels(getattr(sender, "name", "unknown")).inc()


def queue_key(queue: str) -> str:
    """The broker's Redis key of a queue (the transport's `global_keyprefix`, if any, in front: tests set one)."""
    return (app.conf.broker_transport_options or {}).get("global_keyprefix", "") + queue


def enqueue_on_commit(task_name: str, *args, eta=None, robust: bool = False) -> None:
    """The one way services queue a task: by name (services never import tasks; tasks call services), once the
    transaction commits, in the schema of the tenant current now (by commit time a request may have put the
    connection back on the public schema). `eta`: not before then. `robust`: a broker that is down is logged, not
    raised into the committed caller, for tasks that a sweep sends again anyway."""
    headers = headers_with_schema(None)
    options = {"eta": eta} if eta is not None else {}
    transaction.on_commit(lambda: app.send_task(task_name, args=args, headers=headers, **options), robust=robust)
