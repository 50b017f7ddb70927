"""An agency manages its clients through `/api/agency/clients`: plan, price, branding, suspend, resume, soft delete;
its owners own each client; it never sees another agency's clients."""

import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Membership
from billing.models import ClientPrice, Subscription
from compliance.models import AuditEvent
from tenants.models import Tenant
from tenants.services import delete_closed_tenants
from tenants.tests.images import image

pytestmark = pytest.mark.django_db

CLIENTS = "/api/agency/clients"


def client_url(client, suffix=""):
    return f"{CLIENTS}/{client.pk}{suffix}"


def actions(client):
    with tenant_context(client):
        return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


# Creating ---------------------------------------------------------------------------------------------


def test_an_agency_creates_a_client_on_a_plan_at_its_price_and_brand(api, alice, acme_agency):
    body = {
        "name": "Smile Dental",
        "slug": "smile-dental",
        "plan": "pro",
        "monthly_price": "299.00",
        "minute_price": "0.1500",
        "product_name": "Smile Voice",
        "primary_colour": "#0a7d5a",
        "support_email": "help@smile.example",
    }
    response = api(alice, acme_agency).post(CLIENTS, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["kind"], data["parent"], data["plan"], data["host"]) == (
        "client",
        acme_agency.pk,
        "pro",
        "smile-dental.localhost",
    )
    assert data["price"] == {"monthly_price": "299.00", "minute_price": "0.1500"}
    assert (data["product_name"], data["primary_colour"]) == ("Smile Voice", "#0a7d5a")


def test_every_owner_of_the_agency_owns_the_new_client(api, alice, amy, mike, acme_agency):
    Membership.objects.filter(user=amy, tenant=acme_agency).update(role="owner")
    response = api(alice, acme_agency).post(CLIENTS, {"name": "Smile", "slug": "smile-dental"}, format="json")
    client = Tenant.objects.get(pk=response.json()["id"])
    roles = dict(Membership.objects.filter(tenant=client).values_list("user__email", "role"))
    assert roles == {"alice@example.com": "owner", "amy@example.com": "owner"}


def test_a_new_client_is_on_the_default_plan_at_once_without_a_trial(smile):
    subscription = Subscription.objects.get(tenant=smile)
    assert (subscription.plan.slug, subscription.status, subscription.trial_ends_at) == ("starter", "active", None)


@pytest.mark.parametrize(
    "field, value",
    [("plan", "gold"), ("primary_colour", "green"), ("monthly_price", "-1"), ("slug", "Bad Slug"), ("name", "")],
)
def test_a_bad_client_field_is_a_400_naming_it(api, alice, acme_agency, field, value):
    body = {"name": "Smile", "slug": "smile-dental", field: value}
    response = api(alice, acme_agency).post(CLIENTS, body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not Tenant.objects.filter(slug="smile-dental").exists()


def test_a_direct_tenant_has_no_clients(api, bob, globex):
    response = api(bob, globex).post(CLIENTS, {"name": "X", "slug": "xyz-client"}, format="json")
    assert (response.status_code, response.json()["error_code"]) == (403, "not_an_agency")
    assert api(bob, globex).get("/api/agency/usage").status_code == 403


# Isolation: Bob's agency (Globex) and Alice's (Acme) ------------------------------------------------------


def test_an_agency_lists_only_its_own_clients(api, alice, bob, smile, homes, acme_agency, globex_agency):
    assert [c["slug"] for c in api(alice, acme_agency).get(CLIENTS).json()["results"]] == ["smile-dental"]
    assert [c["slug"] for c in api(bob, globex_agency).get(CLIENTS).json()["results"]] == ["sunny-homes"]


@pytest.mark.parametrize(
    "method, suffix, body",
    [
        ("get", "", None),
        ("patch", "", {"status": "suspended"}),
        ("delete", "", None),
        ("get", "/stats", None),
        ("post", "/impersonation", None),
    ],
)
def test_another_agencys_client_is_not_found(api, bob, smile, globex_agency, method, suffix, body):
    response = getattr(api(bob, globex_agency), method)(client_url(smile, suffix), body, format="json")
    assert (response.status_code, response.json()["error_code"]) == (404, "client_not_found")
    smile.refresh_from_db()
    assert smile.status == "active" and smile.delete_after is None
    assert "agency.impersonation" not in actions(smile)


def test_the_agency_of_a_client_is_not_reached_from_the_client(api, alice, smile, acme_agency):
    # Alice owns both, but on the client's host the client is no agency: it has no clients, not even its parent.
    assert api(alice, smile).get(client_url(acme_agency)).status_code == 403


def test_members_of_the_agency_read_clients_but_change_nothing(api, mike, smile, acme_agency):
    client = api(mike, acme_agency)
    assert client.get(client_url(smile)).status_code == 200
    assert client.post(CLIENTS, {"name": "X", "slug": "xyz-client"}, format="json").status_code == 403
    assert client.patch(client_url(smile), {"status": "suspended"}, format="json").status_code == 403
    assert client.delete(client_url(smile)).status_code == 403


# Changing ------------------------------------------------------------------------------------------------


def test_the_agency_changes_a_clients_plan_price_and_branding_in_the_clients_audit_log(api, alice, smile, acme_agency):
    body = {"plan": "pro", "minute_price": "0.2000", "primary_colour": "#123456"}
    response = api(alice, acme_agency).patch(client_url(smile), body, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["plan"], response.json()["primary_colour"]) == ("pro", "#123456")
    assert ClientPrice.objects.get(client=smile).minute_price == Decimal("0.2")
    assert {"agency.client_changed", "billing.plan_changed", "billing.client_price_set"} <= set(actions(smile))


def test_the_agency_uploads_a_clients_own_logo_which_its_host_serves(api, alice, smile, acme_agency):
    content = image("JPEG")
    upload = SimpleUploadedFile("smile.jpg", content)
    response = api(alice, acme_agency).put(client_url(smile, "/logo"), {"logo": upload}, format="multipart")
    assert response.status_code == 200, response.json()
    path = response.json()["logo_url"]
    assert path == f"/brand/logo/{hashlib.sha256(content).hexdigest()}"
    served = Client(HTTP_HOST=f"smile-dental.{settings.BASE_DOMAIN}").get(path)
    assert (served.status_code, served.content) == (200, content)
    assert "tenant.logo_changed" in actions(smile)


def test_an_agency_cannot_upload_a_logo_for_another_agencys_client(api, alice, acme_agency, homes):
    upload = SimpleUploadedFile("x.png", image())
    assert (
        api(alice, acme_agency).put(client_url(homes, "/logo"), {"logo": upload}, format="multipart").status_code == 404
    )


def test_a_suspended_client_stops_and_a_resumed_one_serves_again(api, alice, smile, acme_agency):
    agency = api(alice, acme_agency)
    body = {"status": "suspended", "reason": "Unpaid invoice"}
    assert agency.patch(client_url(smile), body, format="json").json()["status"] == "suspended"
    refused = api(alice, smile).get("/api/tenant")
    assert (refused.status_code, refused.json()["error_code"]) == (403, "tenant_suspended")
    assert "Unpaid invoice" in refused.json()["detail"]
    assert agency.patch(client_url(smile), {"status": "active"}, format="json").json()["status"] == "active"
    assert api(alice, smile).get("/api/tenant").status_code == 200
    assert actions(smile)[-2:] == ["tenant.suspended", "tenant.resumed"]


def test_deleting_a_client_suspends_it_and_deletes_it_after_the_grace(api, alice, smile, acme_agency):
    response = api(alice, acme_agency).delete(client_url(smile))
    assert (response.status_code, response.json()["status"]) == (202, "suspended")
    smile.refresh_from_db()
    assert abs(smile.delete_after - (timezone.now() + settings.TENANT_CLOSE_GRACE)) < timedelta(minutes=1)
    assert delete_closed_tenants() == []
    assert delete_closed_tenants(now=smile.delete_after) == ["smile-dental"]
    assert not Tenant.objects.filter(slug="smile-dental").exists()


def test_resuming_a_deleted_client_within_the_grace_keeps_it(api, alice, smile, acme_agency):
    agency = api(alice, acme_agency)
    agency.delete(client_url(smile))
    response = agency.patch(client_url(smile), {"status": "active"}, format="json")
    assert (response.json()["status"], response.json()["delete_after"]) == ("active", None)
    assert delete_closed_tenants(now=timezone.now() + settings.TENANT_CLOSE_GRACE * 2) == []


# Impersonation -------------------------------------------------------------------------------------------


def test_an_agency_user_acting_inside_a_client_shows_in_the_clients_audit_log(api, alice, smile, acme_agency, charlie):
    # Charlie is the client's own owner (not the agency's): he reads who from which agency came in.
    Membership.objects.create(user=charlie, tenant=smile, role="owner")
    response = api(alice, acme_agency).post(client_url(smile, "/impersonation"))
    assert (response.status_code, response.json()) == (201, {"host": "smile-dental.localhost"})
    entries = api(charlie, smile).get("/api/compliance/audit-logs").json()["results"]
    entry = next(entry for entry in entries if entry["action"] == "agency.impersonation")
    assert (entry["actor_label"], entry["data"]) == ("alice@example.com", {"agency": "acme"})
