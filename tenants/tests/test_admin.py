"""The admin: platform tables for superusers on the public host, tenant tables on the tenant host for the owners
and admins of that tenant (by membership role, not a global staff flag)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_tenants.utils import tenant_context

from compliance.services import record_audit_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser("ops@example.com", "Ops-Pass-123", name="Ops")


def browser(user, host):
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return client


def test_operator_manages_tenants_and_users_on_public_host(operator):
    client = browser(operator, "localhost")
    assert client.get("/admin/tenants/tenant/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/accounts/membership/").status_code == 200


def test_tenant_tables_are_not_served_on_public_host(operator):
    assert browser(operator, "localhost").get("/admin/compliance/auditevent/").status_code == 403


def test_tenant_owner_sees_own_audit_log_on_own_host(alice, acme):
    with tenant_context(acme):
        record_audit_event(action="acme.secret")
    response = browser(alice, "acme.localhost").get("/admin/compliance/auditevent/")
    assert response.status_code == 200
    assert b"acme.secret" in response.content


def test_tenant_owner_cannot_open_platform_tables(alice, acme):
    client = browser(alice, "acme.localhost")
    assert client.get("/admin/tenants/tenant/").status_code == 403
    assert client.get("/admin/accounts/user/").status_code == 403


def log_in(host, email, password):
    client = Client(HTTP_HOST=host)
    response = client.post("/admin/login/?next=/admin/", {"username": email, "password": password})
    return client, response


@pytest.mark.parametrize("persona", ["alice", "amy"])
def test_owners_and_admins_log_in_to_their_tenants_admin(persona, password):
    client, response = log_in("acme.localhost", f"{persona}@example.com", password)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_member_cannot_log_in_to_the_tenant_admin(password):
    client, response = log_in("acme.localhost", "mike@example.com", password)
    assert response.status_code == 200 and b"log in as an owner or admin of that tenant" in response.content
    assert client.get("/admin/").status_code == 302


def test_an_owner_cannot_log_in_to_another_tenants_admin(password):
    client, response = log_in("globex.localhost", "alice@example.com", password)
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_a_user_without_a_tenant_cannot_log_in_to_a_tenant_admin(password):
    _, response = log_in("acme.localhost", "charlie@example.com", password)
    assert response.status_code == 200 and b"cannot use this admin" in response.content


def test_a_tenant_owner_cannot_log_in_to_the_platform_admin(password):
    client, response = log_in("localhost", "alice@example.com", password)
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_the_operator_logs_in_to_the_platform_admin(operator):
    client, response = log_in("localhost", "ops@example.com", "Ops-Pass-123")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_owner_of_another_tenant_is_sent_to_login(bob, acme):
    with tenant_context(acme):
        record_audit_event(action="acme.secret")
    response = browser(bob, "acme.localhost").get("/admin/compliance/auditevent/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_member_role_is_not_enough_for_the_admin(mike):
    response = browser(mike, "acme.localhost").get("/admin/")
    assert response.status_code == 302


def test_a_deactivated_owner_is_sent_to_login(alice):
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert browser(alice, "acme.localhost").get("/admin/").status_code == 302


def test_owner_sees_only_own_tenants_rows(bob, globex, acme):
    with tenant_context(acme):
        record_audit_event(action="acme.secret")
    with tenant_context(globex):
        record_audit_event(action="globex.note")
    content = browser(bob, "globex.localhost").get("/admin/compliance/auditevent/").content
    assert b"globex.note" in content and b"acme.secret" not in content
