"""Celery tasks run in the schema of the tenant that queued them, and refuse to run without one."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django_tenants.utils import schema_context, tenant_context

from compliance.models import AuditEvent
from compliance.tasks import record_audit_event
from config.celery import TenantRequired, app
from tenants.models import Tenant


def wait_until(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def actions_in(schema):
    with schema_context(schema):
        return sorted(AuditEvent.objects.values_list("action", flat=True))


@pytest.mark.slow
def test_tasks_from_two_tenants_interleaved_write_each_in_its_own_schema(committed_db):
    acme, globex = Tenant.objects.get(slug="acme"), Tenant.objects.get(slug="globex")
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        for i in range(3):
            with tenant_context(acme):
                record_audit_event.delay(f"acme.{i}")
            with tenant_context(globex):
                record_audit_event.delay(f"globex.{i}")
        assert wait_until(lambda: len(actions_in(acme.schema_name)) == 3 and len(actions_in(globex.schema_name)) == 3)
    assert actions_in(acme.schema_name) == ["acme.0", "acme.1", "acme.2"]
    assert actions_in(globex.schema_name) == ["globex.0", "globex.1", "globex.2"]


def test_task_queued_without_a_tenant_fails_closed(db):
    result = record_audit_event.apply(args=["orphan"])
    assert result.failed()
    assert isinstance(result.result, TenantRequired)


def test_task_applied_in_a_tenant_writes_there(db):
    acme = Tenant.objects.get(slug="acme")
    with tenant_context(acme):
        result = record_audit_event.apply(args=["inline"])
        assert result.successful()
        assert AuditEvent.objects.filter(action="inline").exists()


def test_task_queued_on_commit_keeps_the_schema_of_the_moment_it_was_queued(
    db, django_capture_on_commit_callbacks, monkeypatch
):
    acme = Tenant.objects.get(slug="acme")
    sent = []
    monkeypatch.setattr(
        record_audit_event, "apply_async", lambda args, kwargs, **options: sent.append(options["headers"])
    )
    with django_capture_on_commit_callbacks() as callbacks, tenant_context(acme):
        record_audit_event.delay_on_commit("later")
    # The callbacks run after the tenant context has ended, as after a request.
    for callback in callbacks:
        callback()
    assert sent == [{"_schema_name": "t_acme"}]
