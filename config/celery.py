"""Celery app whose tasks run in the schema of the tenant that queued them.

tenant-schemas-celery stamps the current schema into every message's headers and switches to it
in the worker before the task runs; `TenantScopedTask` refuses to run on the public schema, so a
task queued outside a tenant fails instead of reading shared tables.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

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

    # The schema is captured when the task is queued, not when the transaction commits: by then
    # the request may be over and the connection back on the public schema.
    def apply_async_on_commit(self, args=None, kwargs=None, **options):
        options["headers"] = headers_with_schema(options.get("headers"))
        transaction.on_commit(lambda: self.apply_async(args, kwargs, **options))

    def delay_on_commit(self, *args, **kwargs):
        self.apply_async_on_commit(args, kwargs)


class App(CeleryApp):
    task_cls = "config.celery:TenantScopedTask"


app = App("voiceagents")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
