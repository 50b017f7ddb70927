"""Inbound calls beyond the lines of the tenant's plan: they wait for a line with a message (a Say, Pause and
Redirect loop that re-checks), up to max_queue_wait_seconds, then leave a voicemail (Record after the agent's
greeting; the recording callback attaches it to a call that ended as `voicemail`); or go to voicemail at once."""

import re
import time
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django_tenants.utils import tenant_context

from agents.tests.factories import AgentFactory
from billing.tests.factories import put_on_plan
from calls.models import Call, TwilioAccount
from calls.tests.factories import (
    API_PREFIX,
    CallFactory,
    PhoneNumberFactory,
    TwilioAccountFactory,
    call_sid,
    post_webhook,
    voice_params,
    webhook_path,
)

pytestmark = pytest.mark.django_db

NUMBER = "+14155550100"
GREETING = "You've reached Acme Dental. Please leave your name and number after the tone."


@pytest.fixture
def busy_line(acme):
    """Acme's plan allows one call at a time, and one call is live."""
    put_on_plan(acme, max_concurrent_calls=1)
    with tenant_context(acme):
        TwilioAccountFactory()
        agent = AgentFactory(voicemail_message=GREETING)
        PhoneNumberFactory(number=NUMBER, agent=agent)
        return CallFactory(status=Call.Status.IN_PROGRESS, agent=agent)


def ring(client, tenant, sid, path=None):
    response = post_webhook(client, path or webhook_path(tenant, "voice"), voice_params(sid, to=NUMBER))
    assert response.status_code == 200
    return response.content.decode()


def redirect_path(body):
    url = re.search(r"<Redirect method=\"POST\">([^<]+)</Redirect>", body).group(1).replace("&amp;", "&")
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def calls_in(tenant):
    with tenant_context(tenant):
        return list(Call.objects.order_by("id"))


def test_a_caller_beyond_the_limit_waits_with_a_message_and_no_call_starts(client, acme, busy_line):
    body = ring(client, acme, call_sid())
    assert "All our lines are busy right now." in body and "<Connect>" not in body
    assert '<Pause length="10" />' in body
    assert redirect_path(body).startswith(webhook_path(acme, "voice") + "?waiting_since=")
    assert calls_in(acme) == [busy_line]


def test_the_waiting_caller_is_connected_once_a_line_frees(client, acme, busy_line):
    sid = call_sid()
    again = redirect_path(ring(client, acme, sid))
    with tenant_context(acme):
        Call.objects.filter(pk=busy_line.pk).update(status=Call.Status.COMPLETED)
    body = ring(client, acme, sid, path=again)
    assert "<Connect><Stream" in body
    assert calls_in(acme)[-1].twilio_call_sid == sid


def test_a_caller_still_waiting_hears_a_shorter_message(client, acme, busy_line):
    sid = call_sid()
    again = redirect_path(ring(client, acme, sid))
    with mock.patch("calls.services.telephony.time.time", return_value=time.time() + 30):
        body = ring(client, acme, sid, path=again)
    assert "Thank you for waiting." in body and "<Redirect" in body


def test_after_the_longest_wait_the_caller_leaves_a_voicemail(client, acme, busy_line):
    sid = call_sid()
    again = redirect_path(ring(client, acme, sid))
    with mock.patch("calls.services.telephony.time.time", return_value=time.time() + 121):
        body = ring(client, acme, sid, path=again)
    assert "Please leave your name and number after the tone.</Say><Record" in body  # the agent's greeting
    assert 'playBeep="true"' in body and 'maxLength="120"' in body
    voicemail = calls_in(acme)[-1]
    assert (voicemail.twilio_call_sid, voicemail.status, voicemail.end_reason) == (sid, "completed", "voicemail")


def test_voicemail_overflow_records_at_once_and_the_recording_lands_on_the_voicemail_call(client, acme, busy_line):
    with tenant_context(acme):
        TwilioAccount.objects.update(overflow_action="voicemail")
    sid = call_sid()
    body = ring(client, acme, sid)
    assert "<Record" in body and "<Redirect" not in body
    voicemail = calls_in(acme)[-1]
    recording = re.search(r'recordingStatusCallback="([^"]+)"', body).group(1).replace("&amp;", "&")
    assert recording.endswith(f"/recording?call_id={voicemail.pk}")
    params = {
        "AccountSid": "AC",
        "CallSid": sid,
        "RecordingSid": "RE" + "2" * 32,
        "RecordingStatus": "completed",
        "RecordingUrl": f"https://api.twilio.com{API_PREFIX}/Recordings/RE{'2' * 32}",
        "RecordingDuration": "14",
    }
    path = webhook_path(acme, "recording", call_id=voicemail.pk)
    assert post_webhook(client, path, params).status_code == 204
    stored = calls_in(acme)[-1]
    assert (stored.end_reason, stored.recording_sid, stored.recording_duration) == ("voicemail", "RE" + "2" * 32, 14)


def test_after_the_message_the_caller_is_thanked_and_hung_up_on(client, acme, busy_line):
    response = post_webhook(client, webhook_path(acme, "voicemail"), {"CallSid": call_sid(), "RecordingSid": "RE1"})
    assert "Thank you for your message." in response.content.decode() and "<Hangup />" in response.content.decode()


def test_a_plan_with_a_free_line_answers_the_next_caller_at_once(client, acme, busy_line):
    put_on_plan(acme, max_concurrent_calls=2)
    assert "<Connect><Stream" in ring(client, acme, call_sid())


def test_the_overflow_settings_are_part_of_the_account(api, alice, acme, busy_line):
    response = api(alice, acme).patch(
        "/api/twilio-account", {"overflow_action": "voicemail", "max_queue_wait_seconds": 60}, format="json"
    )
    assert (response.json()["overflow_action"], response.json()["max_queue_wait_seconds"]) == ("voicemail", 60)
    bad = api(alice, acme).patch("/api/twilio-account", {"overflow_action": "drop"}, format="json")
    assert (bad.status_code, list(bad.json()["errors"])) == (400, ["overflow_action"])
