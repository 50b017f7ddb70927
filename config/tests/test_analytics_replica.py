"""Analytics read from the streaming replica when there is one (settings ANALYTICS_DATABASE, set by
DATABASE_REPLICA_URL; config/databases.py): the analytics endpoints, GET /api/admin/metrics and agencies' roll-ups,
each on the schema of the tenant it is for. Writes never go there; without a replica everything reads default.

The test settings' `replica` is a second, read-only connection to the test database: like a real replica, it sees
only what the primary has committed."""

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import User
from accounts.tests.factories import UserFactory
from agents.tests.factories import AgentFactory
from billing.models import UsageRecord
from calls.tests.factories import CallFactory
from compliance.models import AuditEvent
from tenants.models import Tenant

LONG_AGO = date(2001, 1, 1)  # a day no other test's usage falls on


def persona(name) -> User:
    return User.objects.get(email=f"{name}@example.com")


def tenant(slug) -> Tenant:
    return Tenant.objects.get(slug=slug)


def calls_of(owner, count):
    with tenant_context(owner):
        agent = AgentFactory(name="Reception")
        CallFactory.create_batch(count, agent=agent, started_at=timezone.now(), duration_seconds=60)


def statements(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries]


def schemas_set(captured) -> list[str]:
    return [sql for sql in statements(captured) if sql.startswith("SET search_path")]


def writes(captured) -> list[str]:
    return [sql for sql in statements(captured) if sql.split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]


def read(captured, table) -> bool:
    return any(f'"{table}"' in sql for sql in statements(captured))


@pytest.fixture
def on_replica(settings):
    settings.ANALYTICS_DATABASE = "replica"


@pytest.fixture
def acme_manages_globex(committed_db):
    """Acme an agency and Globex its client, committed (the replica sees committed rows only); undone afterwards."""
    acme, globex = tenant("acme"), tenant("globex")
    Tenant.objects.filter(pk=acme.pk).update(kind=Tenant.Kind.AGENCY)
    Tenant.objects.filter(pk=globex.pk).update(kind=Tenant.Kind.CLIENT, parent=acme)
    yield tenant("acme")
    Tenant.objects.filter(pk=globex.pk).update(kind=globex.kind, parent=None)
    Tenant.objects.filter(pk=acme.pk).update(kind=acme.kind)


@pytest.mark.usefixtures("committed_db", "on_replica")
def test_analytics_endpoints_read_the_replica_in_each_tenants_schema(api):
    calls_of(tenant("acme"), 2)
    calls_of(tenant("globex"), 1)
    with CaptureQueriesContext(connections["replica"]) as replica, CaptureQueriesContext(connection) as default:
        acme_agents = api(persona("alice"), tenant("acme")).get("/api/analytics/agents").json()["results"]
        globex_agents = api(persona("bob"), tenant("globex")).get("/api/analytics/agents").json()["results"]
    assert [row["total"] for row in acme_agents] == [2] and [row["total"] for row in globex_agents] == [1]
    assert read(replica, "calls_call") and not read(default, "calls_call")
    # One connection of this thread served both: django-tenants' search_path followed each request's tenant.
    set_to = schemas_set(replica)
    assert tenant("acme").schema_name in set_to[0] and tenant("globex").schema_name in set_to[-1]


@pytest.mark.usefixtures("committed_db", "on_replica")
def test_the_csv_export_reads_the_replica_and_writes_its_audit_event_on_default(api):
    acme = tenant("acme")
    calls_of(acme, 2)
    with CaptureQueriesContext(connections["replica"]) as replica:
        response = api(persona("alice"), acme).get("/api/analytics/export", {"format": "csv"})
        lines = b"".join(response.streaming_content).decode().splitlines()
    assert response.status_code == 200 and len(lines) == 1 + 2
    assert read(replica, "calls_call") and writes(replica) == []
    with tenant_context(acme):
        assert AuditEvent.objects.filter(action="calls.exported").count() == 1


@pytest.mark.usefixtures("on_replica")
def test_an_agencys_roll_ups_read_each_clients_schema_on_the_replica(api, acme_manages_globex):
    calls_of(tenant("globex"), 3)
    with CaptureQueriesContext(connections["replica"]) as replica:
        usage = api(persona("alice"), acme_manages_globex).get("/api/agency/usage").json()
    assert [(row["client"]["slug"], row["calls"]) for row in usage["clients"]] == [("globex", 3)]
    assert read(replica, "calls_call") and read(replica, "scheduling_appointment")
    assert read(replica, "billing_usagerecord") and writes(replica) == []
    assert any(tenant("globex").schema_name in sql for sql in schemas_set(replica))


def record_usage_long_ago():
    """A call's usage record, written on the primary in this test's transaction: not on the replica (yet)."""
    UsageRecord.objects.create(
        tenant=tenant("acme"),
        kind=UsageRecord.Kind.CALL_SECONDS,
        quantity=120,
        idempotency_key="replica-test",
        occurred_at=datetime.combine(LONG_AGO, datetime.min.time(), tzinfo=UTC),
    )


def platform_calls(api) -> int:
    operator = UserFactory(email="ops@example.com", is_staff=True)
    body = api(operator).get("/api/admin/metrics", {"date_from": LONG_AGO, "date_to": LONG_AGO}).json()
    return body["usage"]["calls"]


@pytest.mark.django_db(databases=["default", "replica"])
@pytest.mark.usefixtures("on_replica")
def test_platform_metrics_are_read_from_the_replica(api):
    record_usage_long_ago()
    with CaptureQueriesContext(connections["replica"]) as replica:
        assert platform_calls(api) == 0  # what the replica has: the record is not there yet
    assert read(replica, "billing_usagerecord") and read(replica, "tenants_tenant") and writes(replica) == []


@pytest.mark.django_db(databases=["default", "replica"])
def test_without_a_replica_analytics_read_the_default_database(api):
    record_usage_long_ago()
    with CaptureQueriesContext(connections["replica"]) as replica:
        assert platform_calls(api) == 1
        api(persona("alice"), tenant("acme")).get("/api/analytics/agents")
    assert statements(replica) == []


def production_databases(**variables) -> dict:
    """DATABASES and ANALYTICS_DATABASE as config.settings makes them from these variables, in a process of its own."""
    code = (
        "import json, config.settings as s; "
        "print(json.dumps({'databases': s.DATABASES, 'analytics': s.ANALYTICS_DATABASE}, default=str))"
    )
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_REPLICA_URL"}
    env |= {"SECRET_KEY": "settings-test", "PYTHONPATH": str(settings.BASE_DIR), **variables}
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


def test_database_replica_url_adds_the_replica_the_analytics_read_with_the_primarys_pool():
    made = production_databases(DATABASE_REPLICA_URL="postgres://reader:secret@replica.internal:5433/voiceagents")
    replica, default = made["databases"]["replica"], made["databases"]["default"]
    assert made["analytics"] == "replica"
    assert (replica["HOST"], replica["PORT"], replica["USER"], replica["NAME"]) == (
        "replica.internal",
        5433,
        "reader",
        "voiceagents",
    )
    assert replica["ENGINE"] == "django_tenants.postgresql_backend"
    assert replica["OPTIONS"]["pool"] == default["OPTIONS"]["pool"] and replica["CONN_HEALTH_CHECKS"]


def test_without_database_replica_url_there_is_no_replica():
    made = production_databases()
    assert list(made["databases"]) == ["default"] and made["analytics"] == "default"
