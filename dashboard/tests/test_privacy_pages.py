"""Compliance records pages: the audit log (filtered, paginated, this tenant's only), exports (a contact, a member,
the whole workspace for owners) fetched once, erasure behind a confirmation, and the recording, disclosure,
retention and consent settings; owners and admins only where they change things."""

import io
import re
import zipfile

import pytest
from django_tenants.utils import tenant_context

from agents.tests.factories import AgentFactory
from compliance import privacy
from compliance.models import AuditEvent, ComplianceSettings, DataExport, Erasure
from compliance.services import record_audit_event
from contacts.models import Contact
from contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def audit(tenant, action, target="", count=1):
    with tenant_context(tenant):
        for _ in range(count):
            record_audit_event(action=action, target=target)


# Audit log ------------------------------------------------------------------------------------------


def test_an_admin_sees_the_audit_log_newest_first(browser, amy, acme):
    audit(acme, "dnc.added", "+14155550150")
    audit(acme, "contact.exported", "contact:7")
    page = browser(amy, acme).get("/compliance/audit-log").content.decode()
    assert page.index("contact.exported") < page.index("dnc.added")


def test_the_audit_log_is_filtered_by_action_kind_and_target(browser, amy, acme):
    audit(acme, "dnc.added", "+14155550150")
    audit(acme, "dnc.removed", "+14155550151")
    audit(acme, "contact.exported", "contact:7")
    page = browser(amy, acme).get("/compliance/audit-log?action=dnc.").content.decode()
    assert "dnc.added" in page and "dnc.removed" in page and "contact.exported" not in page
    page = browser(amy, acme).get("/compliance/audit-log?target=contact:7").content.decode()
    assert "contact.exported" in page and "dnc.added" not in page


def test_the_audit_log_is_paginated_keeping_its_filter(browser, amy, acme):
    audit(acme, "dnc.added", "+14155550150", count=30)
    page = browser(amy, acme).get("/compliance/audit-log?action=dnc.added").content.decode()
    assert "Page 1 of 2" in page and "?action=dnc.added&page=2" in page
    second = browser(amy, acme).get("/compliance/audit-log?action=dnc.added&page=2").content.decode()
    assert len(re.findall(r"<code>dnc.added</code>", second)) == 5


def test_a_bad_date_range_is_named_beside_its_field(browser, amy, acme):
    response = browser(amy, acme).get("/compliance/audit-log?since=2026-12-02T10:00&until=2026-12-01T10:00")
    assert response.status_code == 400 and 'id="id_until_errors"' in response.content.decode()


def test_the_audit_log_shows_nothing_of_another_tenant(browser, amy, acme, globex):
    audit(globex, "globex.secret_action", "globex-target")
    assert "globex.secret_action" not in browser(amy, acme).get("/compliance/audit-log").content.decode()


def test_members_cannot_see_the_audit_log(browser, mike, acme):
    assert browser(mike, acme).get("/compliance/audit-log").status_code == 403


# Exports and erasure ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _own_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {**settings.STORAGES["exports"], "OPTIONS": {"location": str(tmp_path / "exports")}},
        "recordings": {**settings.STORAGES["recordings"], "OPTIONS": {"location": str(tmp_path / "recordings")}},
    }


def build_all(tenant):
    with tenant_context(tenant):
        for export in DataExport.objects.filter(status="pending"):
            privacy.build_export(export.pk)


def test_an_owner_exports_the_whole_workspace_and_downloads_it_once(browser, alice, acme):
    with tenant_context(acme):
        ContactFactory(first_name="Janine", phone="+14155550177")
    client = browser(alice, acme)
    assert "All of this workspace" in client.get("/compliance/exports").content.decode()
    client.post("/compliance/exports", {"kind": "tenant"})
    build_all(acme)
    link = re.search(
        r'href="(/compliance/exports/\d+/download\?token=[^"]+)"', client.get("/compliance/exports").content.decode()
    )
    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert b"Janine" in archive.read("contacts.json")
    assert client.get(link.group(1).replace("&amp;", "&")).status_code == 404


def test_an_admin_exports_a_contact_but_not_the_whole_workspace(browser, amy, acme):
    with tenant_context(acme):
        contact = ContactFactory()
    client = browser(amy, acme)
    assert "All of this workspace" not in client.get("/compliance/exports").content.decode()
    client.post("/compliance/exports", {"kind": "contact", "subject": contact.pk})
    assert client.post("/compliance/exports", {"kind": "tenant"}).status_code == 403
    with tenant_context(acme):
        assert list(DataExport.objects.values_list("kind", flat=True)) == ["contact"]


def test_an_export_of_an_unknown_contact_is_named_beside_the_id(browser, amy, acme):
    response = browser(amy, acme).post("/compliance/exports", {"kind": "contact", "subject": "999999"})
    assert response.status_code == 400 and 'id="id_subject_errors"' in response.content.decode()


def test_someone_elses_export_shows_no_download_link(browser, alice, amy, acme):
    browser(alice, acme).post("/compliance/exports", {"kind": "tenant"})
    build_all(acme)
    assert "/download?token=" not in browser(amy, acme).get("/compliance/exports").content.decode()


def test_an_erasure_needs_the_confirmation_then_erases_the_contact(browser, amy, acme):
    with tenant_context(acme):
        contact = ContactFactory(first_name="Janine")
    client = browser(amy, acme)
    refused = client.post("/compliance/erasures", {"contact": contact.pk})
    assert refused.status_code == 400 and "Tick to confirm." in refused.content.decode()
    done = client.post("/compliance/erasures", {"contact": contact.pk, "confirm": "yes"}, follow=True)
    assert "Erased" in done.content.decode()
    with tenant_context(acme):
        assert not Contact.objects.filter(pk=contact.pk).exists()
        assert Erasure.objects.count() == 1 and AuditEvent.objects.filter(action="contact.erased").exists()


def test_another_tenants_contact_cannot_be_erased(browser, amy, acme, globex):
    with tenant_context(globex):
        contact = ContactFactory()
    response = browser(amy, acme).post("/compliance/erasures", {"contact": contact.pk, "confirm": "yes"})
    assert response.status_code == 400
    with tenant_context(globex):
        assert Contact.objects.filter(pk=contact.pk).exists()


def test_members_can_neither_export_nor_erase(browser, mike, acme):
    client = browser(mike, acme)
    assert client.get("/compliance/exports").status_code == 403
    assert client.post("/compliance/erasures", {"number": "+14155550177", "confirm": "yes"}).status_code == 403


# Recording, retention and consent ------------------------------------------------------------------------


def test_an_admin_turns_recording_on_with_a_disclosure_and_a_retention(browser, amy, acme):
    form = {
        "record_calls": "on",
        "recording_disclosure": "We record calls.",
        "retention_days": "30",
        "redact_pii": "on",
    }
    response = browser(amy, acme).post("/compliance/recording", form, follow=True)
    assert "are saved" in response.content.decode()
    with tenant_context(acme):
        saved = ComplianceSettings.objects.get()
        assert (saved.record_calls, saved.recording_disclosure, saved.retention_days, saved.redact_pii) == (
            True,
            "We record calls.",
            30,
            True,
        )
        assert AuditEvent.objects.filter(action="compliance.settings_updated").exists()


def test_a_bad_retention_is_named_beside_its_field(browser, amy, acme):
    response = browser(amy, acme).post("/compliance/recording", {"retention_days": "0"})
    assert response.status_code == 400 and 'id="id_retention_days_errors"' in response.content.decode()


def test_the_page_lists_which_agents_ask_consent(browser, amy, acme):
    with tenant_context(acme):
        AgentFactory(name="Careful", recording_consent=True)
    page = browser(amy, acme).get("/compliance/recording").content.decode()
    assert re.search(r"Careful</a></th><td>Yes", page)


def test_members_cannot_see_the_recording_settings(browser, mike, acme):
    assert browser(mike, acme).get("/compliance/recording").status_code == 403
