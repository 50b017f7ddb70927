"""How the shared API host chooses a tenant from an `X-Tenant` header or an API key, and what it answers when it
cannot: the public schema is never chosen, and a request naming nothing fails closed with a 4xx."""

import pytest

from tenants.services import set_status

pytestmark = pytest.mark.django_db


def test_x_tenant_never_chooses_the_public_schema(api, alice):
    response = api(alice, headers={"X-Tenant": "public"}).get("/api/tenant")
    assert (response.status_code, response.json()["error_code"]) == (404, "unknown_tenant")


def test_on_a_tenants_own_host_an_x_tenant_header_naming_another_is_ignored(api, alice, acme):
    response = api(alice, acme, headers={"X-Tenant": "globex"}).get("/api/tenant")
    assert (response.status_code, response.json()["slug"]) == (200, "acme")


def test_an_unknown_x_tenant_is_a_404_naming_it_in_the_usual_error_body(api, alice):
    response = api(alice, headers={"X-Tenant": "nope"}).get("/api/tenant")
    body = response.json()
    assert (response.status_code, body["error_code"], body["errors"]) == (
        404,
        "unknown_tenant",
        {"X-Tenant": ["Unknown tenant."]},
    )
    assert "nope" in body["detail"]
    assert body["request_id"] == response["X-Request-ID"]


def test_a_request_naming_no_tenant_and_no_credentials_fails_closed(api):
    response = api().get("/api/tenant")
    assert (response.status_code, response.json()["error_code"]) == (400, "tenant_required")


@pytest.mark.parametrize(
    "host, error_code",
    # A NUL anywhere in a request is refused before the host is read (config.middleware.NulCharacterMiddleware).
    [("bad host", "invalid_host"), ("acme.localhost:abc", "invalid_host"), ("a\x00b.localhost", "malformed_request")],
)
def test_a_malformed_host_header_is_a_400_in_the_usual_error_body(api, host, error_code):
    response = api(host=host).get("/api/tenant")
    body = response.json()
    assert (response.status_code, body["error_code"]) == (400, error_code)
    assert body["detail"] and body["request_id"] == response["X-Request-ID"]


def test_an_unknown_host_is_a_404_naming_it_in_the_usual_error_body(api, alice):
    response = api(alice, host="nobody.example.org").get("/api/tenant")
    body = response.json()
    assert (response.status_code, body["error_code"]) == (404, "unknown_host")
    assert "nobody.example.org" in body["detail"] and body["request_id"] == response["X-Request-ID"]


def test_a_suspended_tenants_api_answers_403_in_the_usual_error_body(api, alice, acme):
    set_status(acme, "suspended")
    response = api(alice, acme).get("/api/tenant")
    body = response.json()
    assert (response.status_code, body["error_code"]) == (403, "tenant_suspended")
    assert "suspended" in body["detail"] and body["request_id"] == response["X-Request-ID"]


def test_a_suspended_tenants_pages_say_why_they_are_refused(api, alice, acme):
    set_status(acme, "suspended", "Unpaid invoice.")
    response = api(alice, acme).get("/admin/")
    assert response.status_code == 403
    assert "Unpaid invoice." in response.content.decode()
