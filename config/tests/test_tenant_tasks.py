"""Celery tasks run in the schema of the tenant that queued them, and refuse to run without one."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django_tenants.utils import tenant_context

from config.celery import TenantRequired, app, enqueue_on_commit
from config.tests.waiting import wait_until
from tenants.models import Tenant

ran_in = []


@app.task(name="tests.note_schema")
def note_schema(label):
    ran_in.append((label, connection.schema_name))


@pytest.mark.slow
def test_tasks_from_two_tenants_interleaved_run_each_in_its_own_schema(committed_db):
    acme, globex = Tenant.objects.get(slug="acme"), Tenant.objects.get(slug="globex")
    ran_in.clear()
    app.control.purge()  # what earlier tests of this run left in the queues would run first and could take longer
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        for i in range(3):
            with tenant_context(acme):
                note_schema.delay(f"acme.{i}")
            with tenant_context(globex):
                note_schema.delay(f"globex.{i}")
        assert wait_until(lambda: len(ran_in) == 6)
    assert sorted(ran_in) == [(f"{slug}.{i}", f"t_{slug}") for slug in ("acme", "globex") for i in range(3)]


def test_task_queued_without_a_tenant_fails_closed(db):
    result = note_schema.apply(args=["orphan"])
    assert result.failed()
    assert isinstance(result.result, TenantRequired)


def test_task_applied_in_a_tenant_runs_there(db):
    ran_in.clear()
    with tenant_context(Tenant.objects.get(slug="acme")):
        assert note_schema.apply(args=["inline"]).successful()
    assert ran_in == [("inline", "t_acme")]


def test_a_task_queued_on_commit_keeps_the_schema_of_the_moment_it_was_queued(
    db, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, args, headers: sent.append((name, args, headers)))
    with django_capture_on_commit_callbacks() as callbacks, tenant_context(Tenant.objects.get(slug="acme")):
        enqueue_on_commit("tests.note_schema", "later")
        assert sent == []
    # The callbacks run after the tenant context has ended, as after a request.
    for callback in callbacks:
        callback()
    assert sent == [("tests.note_schema", ("later",), {"_schema_name": "t_acme"})]
