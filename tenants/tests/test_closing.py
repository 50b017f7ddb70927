"""Closing a tenant (`DELETE /api/tenant` by its owner, who must type its slug after being told to export first):
suspended at once, then deleted with all its data, storage included, once the grace period has passed."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone
from django_tenants.utils import schema_exists, tenant_context

from accounts.tests.factories import UserFactory
from compliance.models import AuditEvent
from tenants import tasks
from tenants.models import Tenant
from tenants.services import create_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "recordings": {**settings.STORAGES["recordings"], "OPTIONS": {"location": str(tmp_path / "recordings")}},
        "exports": {**settings.STORAGES["exports"], "OPTIONS": {"location": str(tmp_path / "exports")}},
    }


@pytest.fixture
def closing():
    owner = UserFactory(email="olga@example.com")
    tenant = create_tenant(name="Olga's Salon", slug="olga-salon", owner=owner)
    tenant.owner = owner
    return tenant


def close(api, user, tenant, confirm="olga-salon"):
    return api(user, tenant).delete("/api/tenant", {"confirm": confirm}, format="json")


def test_the_owner_closes_the_tenant_and_it_is_suspended_at_once(api, closing, settings):
    response = close(api, closing.owner, closing)
    assert response.status_code == 202, response.json()
    tenant = Tenant.objects.get(pk=closing.pk)
    assert tenant.status == "suspended" and response.json()["status"] == "suspended"
    expected = timezone.now() + settings.TENANT_CLOSE_GRACE
    assert abs((tenant.delete_after - expected).total_seconds()) < 60
    refused = api(closing.owner, closing).get("/api/team/members")
    assert (refused.status_code, refused.json()["error_code"]) == (403, "tenant_suspended")
    with tenant_context(tenant):
        event = AuditEvent.objects.get(action="tenant.closed")
    assert (event.actor_id, event.target) == (closing.owner.pk, "tenant:olga-salon")


def test_closing_asks_to_type_the_slug_and_offers_an_export_first(api, closing):
    response = close(api, closing.owner, closing, confirm="oops")
    assert response.status_code == 400 and "export" in response.json()["errors"]["confirm"][0]
    assert Tenant.objects.get(pk=closing.pk).status == "active"


def test_only_an_owner_closes_a_tenant(api, amy, mike, acme):
    for user in (amy, mike):
        assert api(user, acme).delete("/api/tenant", {"confirm": "acme"}, format="json").status_code == 403
    assert Tenant.objects.get(pk=acme.pk).status == "active"


def test_after_the_grace_period_the_tenant_its_schema_and_its_files_are_deleted(api, closing, settings):
    recording = storages["recordings"].save(f"{closing.schema_name}/call-1.mp3", ContentFile(b"ID3"))
    export = storages["exports"].save(f"{closing.schema_name}/export-1.zip", ContentFile(b"PK"))
    close(api, closing.owner, closing)
    assert tasks.delete_closed_tenants.apply().get() == []  # still within the grace period
    Tenant.objects.filter(pk=closing.pk).update(delete_after=timezone.now() - timedelta(seconds=1))
    assert tasks.delete_closed_tenants.apply().get() == ["olga-salon"]
    assert not Tenant.objects.filter(pk=closing.pk).exists()
    assert not schema_exists(closing.schema_name)
    assert not storages["recordings"].exists(recording) and not storages["exports"].exists(export)


def test_a_suspended_tenant_that_was_not_closed_is_never_deleted(acme):
    Tenant.objects.filter(pk=acme.pk).update(status="suspended")
    assert tasks.delete_closed_tenants.apply().get() == []
    assert Tenant.objects.filter(pk=acme.pk).exists()


def test_an_agency_with_clients_cannot_close(api, closing):
    Tenant.objects.filter(pk=closing.pk).update(kind="agency")
    create_tenant(name="Client", slug="olga-client", kind="client", parent=Tenant.objects.get(pk=closing.pk))
    response = close(api, closing.owner, closing)
    assert (response.status_code, response.json()["error_code"]) == (409, "agency_has_clients")
