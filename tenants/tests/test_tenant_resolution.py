"""How a request finds its tenant, and how it fails closed."""

import pytest

from tenants.services import set_status

pytestmark = pytest.mark.django_db


def test_member_reads_own_tenant_on_its_host(api, alice, acme):
    response = api(alice, acme).get("/api/tenant")
    assert response.status_code == 200
    assert response.json()["slug"] == "acme"


def test_member_of_other_tenant_gets_403_on_that_host(api, bob, acme):
    response = api(bob, acme).get("/api/tenant")
    assert response.status_code == 403
    assert response.json()["error_code"] == "not_a_member"


def test_x_tenant_header_selects_tenant_on_shared_api_host(api, alice):
    response = api(alice, headers={"X-Tenant": "acme"}).get("/api/tenant")
    assert response.status_code == 200
    assert response.json()["slug"] == "acme"


def test_x_tenant_header_for_a_tenant_the_user_is_not_in_gets_403(api, alice):
    response = api(alice, headers={"X-Tenant": "globex"}).get("/api/team/members")
    assert response.status_code == 403


def test_unknown_x_tenant_gets_404_naming_the_header(api, alice):
    response = api(alice, headers={"X-Tenant": "nope"}).get("/api/tenant")
    assert response.status_code == 404
    assert response.json()["errors"] == {"X-Tenant": ["Unknown tenant."]}


def test_tenant_view_without_a_tenant_fails_closed(api, alice):
    response = api(alice).get("/api/team/members")
    assert response.status_code == 400
    assert response.json()["error_code"] == "tenant_required"


def test_unknown_host_gets_404(api, alice):
    response = api(alice, host="nobody.example.org").get("/api/tenant")
    assert response.status_code == 404
    assert response.json()["error_code"] == "unknown_host"


def test_a_probe_at_a_pods_address_gets_the_health_check(client):
    response = client.get("/health", HTTP_HOST="10.42.0.17:8000")
    assert response.status_code == 200 and response.json()["status"] == "healthy"


def test_a_scraper_at_a_pods_address_reaches_the_metrics_guard(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = "scrape-token", []
    assert client.get("/metrics", HTTP_HOST="10.42.0.17:8001").status_code == 403
    response = client.get("/metrics", HTTP_HOST="10.42.0.17:8001", HTTP_AUTHORIZATION="Bearer scrape-token")
    assert response.status_code == 200


def test_a_pods_address_serves_nothing_else(client):
    assert client.get("/health/", HTTP_HOST="10.42.0.17:8000").status_code == 404
    assert client.get("/api/auth/me", HTTP_HOST="10.42.0.17:8000").json()["error_code"] == "unknown_host"


def test_suspended_tenant_gets_403_with_message(api, alice, acme):
    set_status(acme, "suspended", "Unpaid invoice.")
    response = api(alice, acme).get("/api/tenant")
    assert response.status_code == 403
    assert response.json()["error_code"] == "tenant_suspended"
    assert "Unpaid invoice." in response.json()["detail"]


def test_suspended_tenant_dashboard_gets_403(api, alice, acme):
    set_status(acme, "suspended")
    assert api(alice, acme).get("/admin/").status_code == 403


def test_anonymous_request_to_tenant_view_gets_401(api, acme):
    response = api(tenant=acme).get("/api/tenant")
    assert response.status_code == 401
    assert response.json()["error_code"] == "not_authenticated"


def test_every_response_has_a_request_id(api, acme):
    response = api(tenant=acme).get("/api/tenant")
    assert response["X-Request-ID"]
    assert response.json()["request_id"] == response["X-Request-ID"]


def test_caller_request_id_is_echoed(api, acme):
    response = api(tenant=acme, headers={"X-Request-ID": "trace-12345678"}).get("/health")
    assert response["X-Request-ID"] == "trace-12345678"
