"""The host -> tenant cache of each process (tenants.selectors.host_cache): a query saved per request, never a
suspension or a domain change missed for longer than `HostCache.seconds`."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.models import Domain, Tenant
from tenants.selectors import host_cache, tenant_for_host
from tenants.services import set_status


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(host_cache, "clock", clock)
    return clock


def domain_queries(captured):
    return [query["sql"] for query in captured.captured_queries if '"tenants_domain"' in query["sql"]]


def test_a_hosts_tenant_is_read_once_while_fresh(api, alice, acme, clock):
    client = api(alice, acme)
    assert client.get("/api/agents").status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/agents").status_code == 200
    assert domain_queries(captured) == []


def test_a_tenant_suspended_in_this_process_is_refused_on_the_next_request(api, alice, acme, clock):
    client = api(alice, acme)
    assert client.get("/api/agents").status_code == 200
    set_status(acme, Tenant.Status.SUSPENDED, "Unpaid invoice.")
    response = client.get("/api/agents")
    assert response.status_code == 403
    assert response.json()["error_code"] == "tenant_suspended"


def test_a_tenant_suspended_by_another_process_is_refused_once_the_cache_expires(api, alice, acme, clock):
    client = api(alice, acme)
    assert client.get("/api/agents").status_code == 200
    # Another process's change: no signal reaches this one.
    Tenant.objects.filter(pk=acme.pk).update(status=Tenant.Status.SUSPENDED)
    clock.now += host_cache.seconds
    response = client.get("/api/agents")
    assert response.status_code == 403
    assert response.json()["error_code"] == "tenant_suspended"


def test_a_reactivated_tenant_is_served_on_the_next_request(api, alice, acme, clock):
    set_status(acme, Tenant.Status.SUSPENDED)
    client = api(alice, acme)
    assert client.get("/api/agents").status_code == 403
    set_status(acme, Tenant.Status.ACTIVE)
    assert client.get("/api/agents").status_code == 200


def test_a_domain_is_served_as_soon_as_it_is_added_and_refused_as_soon_as_it_is_removed(api, alice, acme, clock):
    host = "voice.acme.example"
    assert api(alice, host=host).get("/api/agents").json()["error_code"] == "unknown_host"
    domain = Domain.objects.create(domain=host, tenant=acme, is_primary=False)
    assert api(alice, host=host).get("/api/agents").status_code == 200
    domain.delete()
    assert api(alice, host=host).get("/api/agents").json()["error_code"] == "unknown_host"


def test_each_request_gets_its_own_copy_of_the_tenant(acme, clock):
    first = tenant_for_host(f"acme.{settings.BASE_DOMAIN}")
    first.domain_url = "changed.example"
    assert tenant_for_host(f"acme.{settings.BASE_DOMAIN}").domain_url != "changed.example"


def test_an_unknown_host_is_not_remembered(db, clock):
    assert tenant_for_host("nobody.example") is None
    assert host_cache.get("nobody.example") == (False, None)
