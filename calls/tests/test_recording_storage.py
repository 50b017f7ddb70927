"""Recordings in the platform's own storage: a recording Twilio reports is copied here and deleted there, served only
through the authorised view, deletable (audited), and gone whenever the caller refuses consent. A tenant that records
its calls records inbound and outbound ones."""

from urllib.parse import parse_qs

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from calls.media.services import record_consent
from calls.models import Call
from calls.services import recordings
from calls.tests.factories import API_PREFIX, CallFactory, TwilioAccountFactory, post_webhook, twilio_api, webhook_path
from calls.tests.test_twilio_webhooks import recording_params
from compliance.models import AuditEvent, ComplianceSettings

pytestmark = pytest.mark.django_db
__all__ = ["twilio_api"]

SID = "RE" + "c" * 32
MP3 = b"ID3stored-mp3"


@pytest.fixture
def call(acme):
    with tenant_context(acme):
        TwilioAccountFactory()
        return CallFactory(direction=Call.Direction.INBOUND, status=Call.Status.IN_PROGRESS)


def reported(acme, call, twilio_api):
    """Twilio reports the finished recording; the copy task runs."""
    twilio_api.add("GET", f"{API_PREFIX}/Recordings/{SID}.mp3", body=MP3, headers={"Content-Type": "audio/mpeg"})
    twilio_api.add("DELETE", f"{API_PREFIX}/Recordings/{SID}.json", status=204)
    params = recording_params(call, sid=SID)
    assert post_webhook(Client(), webhook_path(acme, "recording", call_id=call.pk), params).status_code == 204
    with tenant_context(acme):
        return recordings.store_recording(call.pk)


def in_storage(call) -> bool:
    return bool(call.recording_file) and recordings.storage().exists(call.recording_file)


def test_a_reported_recording_is_copied_into_our_storage_and_deleted_at_twilio(acme, call, twilio_api):
    stored = reported(acme, call, twilio_api)
    assert in_storage(stored) and stored.recording_file.startswith(f"{acme.schema_name}/")
    assert recordings.storage().open(stored.recording_file).read() == MP3
    assert stored.recording_url == ""
    assert twilio_api.requests_to("DELETE", f"{API_PREFIX}/Recordings/{SID}.json")


def test_copying_twice_changes_nothing(acme, call, twilio_api):
    first = reported(acme, call, twilio_api)
    with tenant_context(acme):
        again = recordings.store_recording(call.pk)
    assert again.recording_file == first.recording_file
    assert len(twilio_api.requests_to("GET", f"{API_PREFIX}/Recordings/{SID}.mp3")) == 1


def test_the_stored_recording_plays_only_for_the_tenants_members_and_each_play_is_audited(
    api, mike, bob, acme, globex, call, twilio_api
):
    reported(acme, call, twilio_api)
    response = api(mike, acme).get(f"/api/calls/{call.pk}/recording")
    assert response.status_code == 200 and b"".join(response.streaming_content) == MP3
    assert response["Cache-Control"] == "private, no-store"
    assert api(bob, acme).get(f"/api/calls/{call.pk}/recording").status_code == 403
    assert api(bob, globex).get(f"/api/calls/{call.pk}/recording").status_code == 404
    assert api(None, acme).get(f"/api/calls/{call.pk}/recording").status_code == 401
    with tenant_context(acme):
        assert AuditEvent.objects.filter(action="recording.downloaded", target=f"call:{call.pk}").count() == 1
    detail = api(mike, acme).get(f"/api/calls/{call.pk}").json()
    assert detail["has_recording"] is True


def test_deleting_a_recording_removes_it_from_storage_and_is_audited(api, alice, acme, call, twilio_api):
    stored = reported(acme, call, twilio_api)
    assert api(alice, acme).delete(f"/api/calls/{call.pk}/recording").status_code == 204
    assert not recordings.storage().exists(stored.recording_file)
    assert api(alice, acme).get(f"/api/calls/{call.pk}/recording").status_code == 404
    with tenant_context(acme):
        event = AuditEvent.objects.get(action="recording.deleted")
        assert (event.target, event.actor_id) == (f"call:{call.pk}", alice.pk)
        assert Call.objects.get(pk=call.pk).recording_file == ""


def test_deleting_a_recording_not_yet_copied_deletes_twilios(api, alice, acme, call, twilio_api):
    post_webhook(Client(), webhook_path(acme, "recording", call_id=call.pk), recording_params(call, sid=SID))
    twilio_api.add("DELETE", f"{API_PREFIX}/Recordings/{SID}.json", status=204)
    assert api(alice, acme).delete(f"/api/calls/{call.pk}/recording").status_code == 204
    assert twilio_api.requests_to("DELETE", f"{API_PREFIX}/Recordings/{SID}.json")
    with tenant_context(acme):
        assert Call.objects.get(pk=call.pk).recording_url == ""


def test_deleting_when_there_is_no_recording_is_404(api, alice, acme, call):
    assert api(alice, acme).delete(f"/api/calls/{call.pk}/recording").status_code == 404


def test_members_cannot_delete_a_recording(api, mike, acme, call, twilio_api):
    stored = reported(acme, call, twilio_api)
    assert api(mike, acme).delete(f"/api/calls/{call.pk}/recording").status_code == 403
    assert in_storage(stored)


def test_a_refusal_after_the_copy_removes_the_stored_recording(acme, call, twilio_api):
    stored = reported(acme, call, twilio_api)
    with tenant_context(acme):
        record_consent(call.pk, False)
        assert Call.objects.get(pk=call.pk).recording_file == ""
    assert not recordings.storage().exists(stored.recording_file)


def test_a_refused_call_keeps_no_audio_even_if_twilio_reports_one(acme, call, twilio_api):
    twilio_api.add("POST", f"{API_PREFIX}/Calls/{call.twilio_call_sid}/Recordings/Twilio.CURRENT.json", status=404)
    with tenant_context(acme):
        record_consent(call.pk, False)
    stored = reported(acme, call, twilio_api)
    assert (stored.recording_sid, stored.recording_url, stored.recording_file) == ("", "", "")
    assert not twilio_api.requests_to("GET", f"{API_PREFIX}/Recordings/{SID}.mp3")
    assert twilio_api.requests_to("DELETE", f"{API_PREFIX}/Recordings/{SID}.json")


def test_an_inbound_call_of_a_tenant_that_records_calls_is_recorded_in_both_channels(acme, call, twilio_api):
    path = f"{API_PREFIX}/Calls/{call.twilio_call_sid}/Recordings.json"
    twilio_api.add(
        "POST", path, status=201, json={"sid": SID, "call_sid": call.twilio_call_sid, "status": "in-progress"}
    )
    with tenant_context(acme):
        recordings.start_recording(call.pk)
    [start] = twilio_api.requests_to("POST", path)
    sent = parse_qs(start.body.decode())
    assert sent["RecordingChannels"] == ["dual"]
    assert sent["RecordingStatusCallback"][0].endswith(f"/recording?call_id={call.pk}")


def test_recording_follows_the_tenants_setting(acme):
    with tenant_context(acme):
        assert recordings.tenant_records_calls() is False
        ComplianceSettings.objects.update_or_create(singleton=True, defaults={"record_calls": True})
        assert recordings.tenant_records_calls() is True


def streams_opened(acme, monkeypatch, capture, *, direction):
    """The tasks queued when a call's media stream opens."""
    from agents.tests.factories import AgentFactory
    from calls.media.services import open_stream
    from config.celery import app

    queued = []
    monkeypatch.setattr(app, "send_task", lambda name, args, headers, **options: queued.append((name, args)))
    with tenant_context(acme), capture(execute=True):
        call = CallFactory(agent=AgentFactory(), status="ringing", direction=direction)
        open_stream(call.pk, call.twilio_call_sid)
    return call, queued


def test_an_inbound_call_of_a_tenant_that_records_starts_recording_when_its_stream_opens(
    acme, monkeypatch, django_capture_on_commit_callbacks
):
    with tenant_context(acme):
        ComplianceSettings.objects.update_or_create(singleton=True, defaults={"record_calls": True})
    call, queued = streams_opened(acme, monkeypatch, django_capture_on_commit_callbacks, direction="inbound")
    assert (recordings.START_TASK, (call.pk,)) in queued


def test_no_recording_starts_for_a_tenant_that_does_not_record(acme, monkeypatch, django_capture_on_commit_callbacks):
    _, queued = streams_opened(acme, monkeypatch, django_capture_on_commit_callbacks, direction="inbound")
    assert recordings.START_TASK not in [name for name, _ in queued]
