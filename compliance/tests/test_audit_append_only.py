"""The audit log is append-only whoever asks: the database itself refuses to change or delete an entry (a trigger in
every tenant schema), so neither a service, the admin, a raw ORM call nor raw SQL can rewrite history."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django_tenants.utils import tenant_context

from compliance.models import AuditEvent
from compliance.services import record_audit_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(acme):
    with tenant_context(acme):
        return record_audit_event(action="dnc.added", target="+14155550123", data={"source": "manual"})


def refused(change):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        change()


def test_an_orm_update_of_an_entry_is_refused(acme, entry):
    with tenant_context(acme):
        refused(lambda: AuditEvent.objects.filter(pk=entry.pk).update(action="nothing.happened"))
        assert AuditEvent.objects.get(pk=entry.pk).action == "dnc.added"


def test_saving_a_changed_entry_is_refused(acme, entry):
    with tenant_context(acme):
        entry.target = "+10000000000"
        refused(entry.save)


def test_an_orm_delete_of_an_entry_is_refused(acme, entry):
    with tenant_context(acme):
        refused(entry.delete)
        refused(lambda: AuditEvent.objects.all().delete())
        assert AuditEvent.objects.filter(pk=entry.pk).exists()


def test_raw_sql_cannot_change_or_delete_an_entry(acme, entry):
    with tenant_context(acme), connection.cursor() as cursor:
        refused(lambda: cursor.execute("UPDATE compliance_auditevent SET action = 'x'"))
        refused(lambda: cursor.execute("DELETE FROM compliance_auditevent"))


def test_every_tenant_schema_has_the_guard(globex):
    with tenant_context(globex):
        other = record_audit_event(action="dnc.removed")
        refused(other.delete)


def test_new_entries_are_still_written(acme, entry):
    with tenant_context(acme):
        record_audit_event(action="dnc.removed", target="+14155550123")
        assert AuditEvent.objects.count() == 2


def test_the_tenants_owner_cannot_delete_or_change_an_entry_in_the_admin(alice, acme, entry):
    client = Client(HTTP_HOST="acme.localhost")
    client.force_login(alice)
    path = f"/admin/compliance/auditevent/{entry.pk}/"
    assert client.post(f"{path}delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"{path}change/", {"action": "nothing.happened"}).status_code == 403
    with tenant_context(acme):
        assert AuditEvent.objects.get(pk=entry.pk).action == "dnc.added"
