"""Data subjects' rights: an export of everything held about a contact (its row, calls, transcripts, notes, consent
answers, recordings, appointments, campaign attempts, DNC entries, audit entries) as a zip built by a task and fetched
once by its requester through a signed, expiring link; and an erasure after which nothing about the contact is
retrievable through the API, the admin, exports or storage, while its opted-out number stays blocked as a hash."""

import io
import json
import os
import zipfile
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.tests.factories import AgentFactory
from calls.models import Call, CallNote
from calls.services import recordings
from calls.tests.factories import CallFactory, CallTurnFactory
from campaigns.models import Attempt
from campaigns.tests.factories import CampaignFactory
from compliance import opt_out as opt_out_sources
from compliance import privacy
from compliance.models import AuditEvent, DataExport, DncEntry
from compliance.services import OnDncList, check_dial, opt_out
from contacts.tests.factories import ContactFactory, ContactListFactory
from scheduling.services import appointments
from scheduling.tests.conftest import at, make_calendar, next_weekday
from webhooks.models import Endpoint
from webhooks.services.deliveries import record_event

pytestmark = pytest.mark.django_db

NAME, SURNAME, EMAIL = "Janine", "Quixby", "janine.quixby@example.com"
PHONE = "+14155550177"
SEARCHED = [NAME, SURNAME, EMAIL, PHONE, PHONE[1:], "415-555-0177"]
AUDIO = b"ID3janine-audio"


@pytest.fixture(autouse=True)
def _own_storage(settings, tmp_path):
    """Files outlive a test's rolled-back rows: each test gets empty storage of its own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "recordings": {**settings.STORAGES["recordings"], "OPTIONS": {"location": str(tmp_path / "recordings")}},
        "exports": {**settings.STORAGES["exports"], "OPTIONS": {"location": str(tmp_path / "exports")}},
    }


@pytest.fixture
def janine(acme, alice):
    """A contact with everything the platform can hold about someone."""
    with tenant_context(acme):
        contact = ContactFactory(phone=PHONE, first_name=NAME, last_name=SURNAME, email=EMAIL)
        ContactListFactory(name="Leads").contacts.add(contact)
        call = CallFactory(
            direction=Call.Direction.OUTBOUND,
            status=Call.Status.COMPLETED,
            to_number=PHONE,
            contact=contact,
            contact_variables={"name": f"{NAME} {SURNAME}"},
            transcript=f"Caller: this is {NAME} {SURNAME}, please stop calling me",
            summary=f"{NAME} opted out.",
            recording_consent=True,
            recording_consent_at=timezone.now(),
        )
        CallTurnFactory(call=call, index=0, speaker="caller", text=f"this is {NAME} {SURNAME}")
        CallNote.objects.create(call=call, text=f"{NAME} sounded annoyed", author_label="alice@example.com")
        name = recordings.storage().save(f"{acme.schema_name}/call-{call.pk}-x.mp3", ContentFile(AUDIO))
        Call.objects.filter(pk=call.pk).update(recording_file=name)
        inbound = CallFactory(direction=Call.Direction.INBOUND, status=Call.Status.COMPLETED, from_number=PHONE)
        CallTurnFactory(call=inbound, index=0, speaker="caller", text=f"{NAME} again")
        day = next_weekday(0)
        appointments.book(
            make_calendar(),
            start=at(day, 10),
            title=f"Check-up for {NAME} {SURNAME}",
            contact_name=f"{NAME} {SURNAME}",
            contact_phone=PHONE,
            contact_email=EMAIL,
        )
        campaign = CampaignFactory(agent=AgentFactory())
        Attempt.objects.create(
            campaign=campaign, contact=contact, number=PHONE, due_at=timezone.now(), idempotency_key="janine-1"
        )
        opt_out(PHONE, source=opt_out_sources.SPOKEN, reason=f"{NAME} said stop calling me", call_id=call.pk)
        # The opt-out event as an endpoint's delivery records it (events are published on commit).
        endpoint = Endpoint.objects.create(
            url="https://crm.example.com/hook", event_types=["contact.opted_out"], secret="whsec-test"
        )
        record_event(acme.schema_name, {"id": "evt-1", "type": "contact.opted_out", "data": {"number": PHONE}})
        contact.call, contact.inbound, contact.endpoint = call, inbound, endpoint
        return contact


def built(acme, response):
    """The export the API accepted, once the worker has built it."""
    assert response.status_code == 202, response.json()
    with tenant_context(acme):
        privacy.build_export(response.json()["id"])
    return response.json()["id"]


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def download(client, export_id):
    body = client.get(f"/api/compliance/exports/{export_id}").json()
    assert body["status"] == "ready", body
    return client.get(path_of(body["download_url"]))


def unzip(response) -> dict[str, bytes]:
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# Export -------------------------------------------------------------------------------------------


def test_a_contact_export_holds_every_item_held_about_them(api, alice, acme, janine):
    client = api(alice, acme)
    export_id = built(acme, client.post("/api/compliance/exports", {"contact": janine.pk}, format="json"))
    files = unzip(download(client, export_id))
    assert set(files) == {
        "contact.json",
        "calls.json",
        f"recordings/call-{janine.call.pk}.mp3",
        "appointments.json",
        "campaign_attempts.json",
        "dnc.json",
        "audit.json",
        "webhook_deliveries.json",
    }
    contact = json.loads(files["contact.json"])
    assert (contact["first_name"], contact["email"], contact["lists"]) == (NAME, EMAIL, ["Leads"])
    calls = {call["id"]: call for call in json.loads(files["calls.json"])}
    assert set(calls) == {janine.call.pk, janine.inbound.pk}
    outbound = calls[janine.call.pk]
    assert outbound["turns"][0]["text"] == f"this is {NAME} {SURNAME}"
    assert outbound["notes"][0]["text"] == f"{NAME} sounded annoyed"
    assert outbound["consent"]["recording_consent"] is True and outbound["consent"]["answered_at"]
    assert files[f"recordings/call-{janine.call.pk}.mp3"] == AUDIO
    assert json.loads(files["appointments.json"])[0]["contact_email"] == EMAIL
    assert json.loads(files["campaign_attempts.json"])[0]["number"] == PHONE
    [entry] = json.loads(files["dnc.json"])
    assert (entry["number"], entry["source"], entry["call_id"]) == (PHONE, "opt_out_spoken", janine.call.pk)
    assert "dnc.added" in {entry["action"] for entry in json.loads(files["audit.json"])}
    assert json.loads(files["webhook_deliveries.json"])[0]["payload"]["data"]["number"] == PHONE


def test_an_export_downloads_once_and_only_by_its_requester(api, alice, amy, acme, janine):
    client = api(alice, acme)
    export_id = built(acme, client.post("/api/compliance/exports", {"contact": janine.pk}, format="json"))
    link = client.get(f"/api/compliance/exports/{export_id}").json()["download_url"]
    path = path_of(link)
    assert api(amy, acme).get(f"/api/compliance/exports/{export_id}").json()["download_url"] is None
    assert api(amy, acme).get(path).status_code == 404
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 404
    body = client.get(f"/api/compliance/exports/{export_id}").json()
    assert (body["status"], body["download_url"]) == ("downloaded", None)
    assert not privacy.exports_storage().listdir(acme.schema_name)[1]
    with tenant_context(acme):
        actions = list(AuditEvent.objects.filter(target=f"contact:{janine.pk}").values_list("action", flat=True))
    assert {"contact.export_requested", "contact.exported"} <= set(actions)


def test_a_link_with_a_forged_or_expired_token_is_refused(api, alice, acme, janine, settings):
    client = api(alice, acme)
    export_id = built(acme, client.post("/api/compliance/exports", {"contact": janine.pk}, format="json"))
    assert client.get(f"/api/compliance/exports/{export_id}/download?token=forged").status_code == 403
    link = client.get(f"/api/compliance/exports/{export_id}").json()["download_url"]
    settings.DATA_EXPORT_TTL = timedelta(seconds=-1)
    response = client.get(path_of(link))
    assert (response.status_code, response.json()["error_code"]) == (403, "invalid_link")


def test_an_export_not_fetched_in_time_leaves_storage(api, alice, acme, janine):
    client = api(alice, acme)
    export_id = built(acme, client.post("/api/compliance/exports", {"contact": janine.pk}, format="json"))
    with tenant_context(acme):
        export = DataExport.objects.get(pk=export_id)
        assert privacy.expire_exports(now=export.expires_at) == 1
        assert not privacy.exports_storage().exists(export.file)
    assert client.get(f"/api/compliance/exports/{export_id}").json()["status"] == "expired"


def test_a_members_export_holds_their_account_and_their_actions(api, alice, mike, acme):
    client = api(alice, acme)
    export_id = built(acme, client.post("/api/compliance/exports", {"user": mike.pk}, format="json"))
    files = unzip(download(client, export_id))
    assert json.loads(files["user.json"])["email"] == "mike@example.com"
    assert "password" not in json.loads(files["user.json"])
    assert json.loads(files["membership.json"])["role"] == "member"


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "contact"),
        ({"contact": 1, "user": 1}, "contact"),
        ({"contact": 1, "tenant": True}, "contact"),
        ({"contact": "x"}, "contact"),
        ({"user": 0}, "user"),
        ({"tenant": False}, "tenant"),
    ],
)
def test_a_bad_export_request_is_400_naming_the_field(api, alice, acme, body, field):
    response = api(alice, acme).post("/api/compliance/exports", body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_an_export_of_someone_not_in_the_tenant_is_404(api, alice, bob, acme):
    assert api(alice, acme).post("/api/compliance/exports", {"contact": 999999}, format="json").status_code == 404
    assert api(alice, acme).post("/api/compliance/exports", {"user": bob.pk}, format="json").status_code == 404


def test_members_can_neither_export_nor_erase(api, mike, acme, janine):
    assert api(mike, acme).post("/api/compliance/exports", {"contact": janine.pk}, format="json").status_code == 403
    assert api(mike, acme).post("/api/compliance/erasures", {"contact": janine.pk}, format="json").status_code == 403


# The whole tenant ---------------------------------------------------------------------------------


def test_an_owners_tenant_export_holds_all_its_contacts_calls_transcripts_appointments_and_audit_log(
    api, alice, acme, janine
):
    with tenant_context(acme):
        other = ContactFactory(phone="+14155550188", first_name="Otto")
    client = api(alice, acme)
    export_id = built(acme, client.post("/api/compliance/exports", {"tenant": True}, format="json"))
    files = unzip(download(client, export_id))
    assert {"contacts.json", "contact_lists.json", "calls.json", "appointments.json", "audit.json", "dnc.json"} <= set(
        files
    )
    assert {each["id"] for each in json.loads(files["contacts.json"])} >= {janine.pk, other.pk}
    calls = {call["id"]: call for call in json.loads(files["calls.json"])}
    assert calls[janine.inbound.pk]["turns"][0]["text"] == f"{NAME} again"
    assert calls[janine.call.pk]["transcript"].startswith("Caller: this is")
    assert json.loads(files["appointments.json"])[0]["contact_email"] == EMAIL
    assert {"dnc.added", "tenant.export_requested"} <= {each["action"] for each in json.loads(files["audit.json"])}


def test_a_tenant_export_holds_nothing_of_another_tenant(api, alice, acme, globex):
    with tenant_context(globex):
        ContactFactory(phone="+14155550199", first_name="Gustav")
    client = api(alice, acme)
    export_id = built(acme, client.post("/api/compliance/exports", {"tenant": True}, format="json"))
    files = unzip(download(client, export_id))
    assert not any(b"Gustav" in content or b"4155550199" in content for content in files.values())


def test_a_tenant_export_is_audited_when_requested_and_downloaded(api, alice, acme):
    client = api(alice, acme)
    export_id = built(acme, client.post("/api/compliance/exports", {"tenant": True}, format="json"))
    download(client, export_id)
    with tenant_context(acme):
        actions = list(AuditEvent.objects.filter(target=f"tenant:{acme.pk}").values_list("action", flat=True))
    assert {"tenant.export_requested", "tenant.exported"} <= set(actions)


def test_only_an_owner_exports_the_whole_tenant(api, amy, mike, acme):
    refused = api(amy, acme).post("/api/compliance/exports", {"tenant": True}, format="json")
    assert (refused.status_code, refused.json()["error_code"]) == (403, "role_forbidden")
    assert api(mike, acme).post("/api/compliance/exports", {"tenant": True}, format="json").status_code == 403
    with tenant_context(acme):
        assert not DataExport.objects.filter(kind="tenant").exists()


# Erasure ------------------------------------------------------------------------------------------


def found_in(text: str) -> list[str]:
    return [value for value in SEARCHED if value.lower() in text.lower()]


def test_after_erasure_nothing_about_the_contact_is_retrievable_anywhere(api, alice, acme, janine):
    client = api(alice, acme)
    response = client.post("/api/compliance/erasures", {"contact": janine.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["counts"]["calls"] == 2
    assert not found_in(json.dumps(response.json()))
    reads = [
        "/api/contacts",
        f"/api/contacts?search={NAME}",
        f"/api/contacts/{janine.pk}",
        "/api/calls",
        f"/api/calls?search={NAME}",
        f"/api/calls/{janine.call.pk}",
        f"/api/calls/{janine.inbound.pk}",
        "/api/calendar/appointments",
        "/api/compliance/dnc",
        "/api/compliance/audit-logs?per_page=100",
        "/api/compliance/audit-logs?format=csv",
        f"/api/compliance/audit-logs?target=%2B{PHONE[1:]}",
        f"/api/settings/webhooks/{janine.endpoint.pk}/deliveries",
    ]
    for path in reads:
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert not found_in(body.decode()), path
    assert client.get(f"/api/contacts/{janine.pk}").status_code == 404
    assert client.get(f"/api/calls/{janine.call.pk}/recording").status_code == 404
    assert client.post("/api/compliance/exports", {"contact": janine.pk}, format="json").status_code == 404


def test_after_erasure_the_admin_shows_nothing_about_the_contact(api, alice, acme, janine):
    api(alice, acme).post("/api/compliance/erasures", {"contact": janine.pk}, format="json")
    with tenant_context(acme):
        opted_out = AuditEvent.objects.get(action="dnc.added").pk
    admin = Client(HTTP_HOST="acme.localhost")
    admin.force_login(alice)
    for path in [
        f"/admin/compliance/auditevent/{opted_out}/change/",
        "/admin/contacts/contact/",
        "/admin/calls/call/",
        f"/admin/calls/call/{janine.call.pk}/change/",
        "/admin/compliance/auditevent/",
        "/admin/compliance/dncentry/",
    ]:
        response = admin.get(path)
        assert response.status_code == 200, path
        assert not found_in(response.content.decode()), path
    # A search echoes what was searched for: it must find nothing.
    for path in [f"/admin/contacts/contact/?q={NAME}", f"/admin/compliance/auditevent/?q=%2B{PHONE[1:]}"]:
        assert admin.get(path).context["cl"].result_count == 0, path


def test_after_erasure_storage_holds_nothing_of_the_contact(api, alice, acme, janine):
    with tenant_context(acme):
        recording = Call.objects.get(pk=janine.call.pk).recording_file
    api(alice, acme).post("/api/compliance/erasures", {"contact": janine.pk}, format="json")
    assert not recordings.storage().exists(recording)
    for storage in (recordings.storage(), privacy.exports_storage()):
        for directory, _, names in os.walk(storage.location):
            for name in names:
                with open(os.path.join(directory, name), "rb") as handle:
                    assert not found_in(handle.read().decode("latin-1")), name


def test_an_erased_opted_out_number_stays_blocked_as_a_hash(api, alice, acme, janine):
    api(alice, acme).post("/api/compliance/erasures", {"contact": janine.pk}, format="json")
    with tenant_context(acme):
        [entry] = DncEntry.objects.all()
        assert (entry.number, entry.number_hash, entry.reason) == (None, privacy.number_hash(PHONE), "")
        with pytest.raises(OnDncList):
            check_dial(PHONE, tenant=acme)
    assert api(alice, acme).get(f"/api/compliance/dnc/check?number=%2B{PHONE[1:]}").json()["blocked"] is True


def test_the_erasure_is_audited_without_the_erased_data(api, alice, acme, janine):
    api(alice, acme).post("/api/compliance/erasures", {"contact": janine.pk}, format="json")
    with tenant_context(acme):
        event = AuditEvent.objects.get(action="contact.erased")
    assert (event.target, event.actor_id) == (f"contact:{janine.pk}", alice.pk)
    assert event.data["counts"]["contact"] == 1 and not found_in(json.dumps(event.data))


def test_someone_with_no_contact_is_erased_by_number(api, alice, acme):
    with tenant_context(acme):
        call = CallFactory(direction=Call.Direction.INBOUND, from_number=PHONE, transcript=f"I am {NAME}")
        CallTurnFactory(call=call, index=0, speaker="caller", text=f"I am {NAME}")
    response = api(alice, acme).post("/api/compliance/erasures", {"number": "+1 (415) 555-0177"}, format="json")
    assert (response.status_code, response.json().get("subject")) == (200, "number"), response.json()
    detail = api(alice, acme).get(f"/api/calls/{call.pk}").json()
    assert not found_in(json.dumps(detail)) and detail["turns"] == []


def test_erasure_leaves_other_contacts_alone(api, alice, acme, janine):
    with tenant_context(acme):
        other = ContactFactory(first_name="Otto")
        CallFactory(direction=Call.Direction.OUTBOUND, to_number=other.phone, contact=other, transcript="Otto here")
    api(alice, acme).post("/api/compliance/erasures", {"contact": janine.pk}, format="json")
    with tenant_context(acme):
        assert Call.objects.get(contact=other).transcript == "Otto here"


@pytest.mark.parametrize(
    "body, field", [({}, "contact"), ({"contact": 1, "number": PHONE}, "contact"), ({"number": "nope"}, "number")]
)
def test_a_bad_erasure_request_is_400_naming_the_field(api, alice, acme, body, field):
    response = api(alice, acme).post("/api/compliance/erasures", body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_erasing_an_unknown_contact_is_404(api, alice, acme):
    assert api(alice, acme).post("/api/compliance/erasures", {"contact": 999999}, format="json").status_code == 404
