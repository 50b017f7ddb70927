"""POST /api/calls/{id}/control: staff hold, resume, mute, unmute, transfer, take over and end a live call
through Twilio's call update (faked at the HTTP boundary); every control is audited and told to the live
view, and the media session learns mute/unmute through the call's control group."""

import asyncio
from urllib.parse import parse_qs, urlsplit

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django_tenants.utils import tenant_context

from agents.tests.factories import AgentFactory
from calls import groups
from calls.models import Call
from calls.tests.factories import (
    API_PREFIX,
    CallFactory,
    TwilioAccountFactory,
    call_resource,
    post_webhook,
    twilio_api,
    twilio_error,
    webhook_path,
)
from compliance.models import AuditEvent

pytestmark = pytest.mark.django_db
__all__ = ["twilio_api"]

FRONT_DESK = "+14155550199"
STAFF_PHONE = "+14155550177"


@pytest.fixture
def live(acme):
    """An answered inbound call of acme's, with its Twilio account."""
    with tenant_context(acme):
        TwilioAccountFactory()
        agent = AgentFactory(name="Mia")
        return CallFactory(status=Call.Status.IN_PROGRESS, agent=agent)


@pytest.fixture
def updates(twilio_api, live):
    """The Twilio call update endpoint of the live call; returns the TwiML documents sent to it."""
    path = f"{API_PREFIX}/Calls/{live.twilio_call_sid}.json"
    twilio_api.add(
        "POST",
        path,
        json=call_resource(live.twilio_call_sid, to=live.to_number, from_=live.from_number, status="in-progress"),
    )
    return lambda: [parse_qs(request.body.decode()) for request in twilio_api.requests_to("POST", path)]


def control(api, user, tenant, call, **body):
    return api(user, tenant).post(f"/api/calls/{call.pk}/control", body, format="json")


def stored(tenant, call):
    with tenant_context(tenant):
        return Call.objects.get(pk=call.pk)


def audit(tenant):
    with tenant_context(tenant):
        return [
            (event.action, event.actor_label, event.target, event.data)
            for event in AuditEvent.objects.filter(action__startswith="call.").order_by("id")
        ]


def test_hold_plays_looping_hold_music_instead_of_the_agent(api, alice, acme, live, updates):
    response = control(api, alice, acme, live, action="hold")
    assert response.status_code == 200 and response.json()["on_hold"] is True
    [update] = updates()
    assert '<Play loop="0">' in update["Twiml"][0] and "<Connect>" not in update["Twiml"][0]
    assert stored(acme, live).on_hold is True
    assert audit(acme) == [("call.hold", "alice@example.com", f"call:{live.pk}", {})]


def test_resume_reconnects_the_media_stream_of_the_same_call(api, alice, acme, live, updates):
    control(api, alice, acme, live, action="hold")
    response = control(api, alice, acme, live, action="resume")
    assert response.status_code == 200 and response.json()["on_hold"] is False
    document = updates()[-1]["Twiml"][0]
    assert '<Connect><Stream url="wss://' in document and "/ws/twilio/media/" in document
    assert f'<Parameter name="call_id" value="{live.pk}" />' in document
    assert '<Parameter name="tenant" value="acme" />' in document
    assert [action for action, *_ in audit(acme)] == ["call.hold", "call.resume"]


def test_resume_without_hold_is_an_invalid_transition(api, alice, acme, live, updates):
    response = control(api, alice, acme, live, action="resume")
    assert (response.status_code, response.json()["error_code"]) == (409, "invalid_transition")
    assert updates() == [] and audit(acme) == []


def test_holding_twice_is_an_invalid_transition(api, alice, acme, live, updates):
    control(api, alice, acme, live, action="hold")
    response = control(api, alice, acme, live, action="hold")
    assert (response.status_code, response.json()["error_code"]) == (409, "invalid_transition")
    assert len(updates()) == 1


def test_a_finished_call_cannot_be_controlled(api, alice, acme, live, updates):
    with tenant_context(acme):
        Call.objects.filter(pk=live.pk).update(status=Call.Status.COMPLETED)
    response = control(api, alice, acme, live, action="hold")
    assert (response.status_code, response.json()["error_code"]) == (409, "call_finished")
    assert updates() == []


def test_a_ringing_call_cannot_be_put_on_hold(api, alice, acme, live, updates):
    with tenant_context(acme):
        Call.objects.filter(pk=live.pk).update(status=Call.Status.RINGING)
    response = control(api, alice, acme, live, action="hold")
    assert (response.status_code, response.json()["error_code"]) == (409, "invalid_transition")


def test_when_twilio_refuses_the_hold_the_call_is_not_on_hold(api, alice, acme, live, twilio_api):
    twilio_api.add(
        "POST",
        f"{API_PREFIX}/Calls/{live.twilio_call_sid}.json",
        status=404,
        json=twilio_error(404, 20404, "The requested resource was not found"),
    )
    response = control(api, alice, acme, live, action="hold")
    assert (response.status_code, response.json()["error_code"]) == (502, "twilio_error")
    assert stored(acme, live).on_hold is False and audit(acme) == []


def messages_to(group: str, count: int, action) -> list[dict]:
    """Runs `action` (sync, in this thread) with a channel in `group`; the first `count` messages it got."""

    async def probe():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        try:
            await sync_to_async(action)()
            return [await asyncio.wait_for(layer.receive(channel), 5) for _ in range(count)]
        finally:
            await layer.group_discard(group, channel)
            await layer.wait_received()  # the receives' clean-up tasks end before this loop does

    return async_to_sync(probe)()


def test_mute_and_unmute_reach_the_media_session_through_the_control_group(
    api, alice, acme, live, updates, django_capture_on_commit_callbacks
):
    def mute_and_unmute():
        with django_capture_on_commit_callbacks(execute=True):
            assert control(api, alice, acme, live, action="mute").json()["agent_muted"] is True
        with django_capture_on_commit_callbacks(execute=True):
            assert control(api, alice, acme, live, action="unmute").json()["agent_muted"] is False

    assert messages_to(groups.control_group("t_acme", live.pk), 2, mute_and_unmute) == [
        {"type": "call.control", "schema": "t_acme", "call_id": live.pk, "action": "mute"},
        {"type": "call.control", "schema": "t_acme", "call_id": live.pk, "action": "unmute"},
    ]
    assert updates() == []  # muting is ours: Twilio is not involved
    assert [action for action, *_ in audit(acme)] == ["call.mute", "call.unmute"]


def test_unmuting_an_agent_that_is_not_muted_is_an_invalid_transition(api, amy, acme, live):
    response = control(api, amy, acme, live, action="unmute")
    assert (response.status_code, response.json()["error_code"]) == (409, "invalid_transition")


def test_watchers_are_told_about_a_control(api, alice, acme, live, updates, django_capture_on_commit_callbacks):
    def hold():
        with django_capture_on_commit_callbacks(execute=True):
            control(api, alice, acme, live, action="hold")

    [message] = messages_to(groups.live_group("t_acme", live.pk), 1, hold)
    assert message["events"] == [
        {"type": "controls", "action": "hold", "by": "alice@example.com", "on_hold": True, "agent_muted": False}
    ]


def test_a_cold_transfer_dials_the_number_and_ends_the_agents_part(api, alice, acme, live, updates):
    response = control(api, alice, acme, live, action="transfer", to="+1 (415) 555-0199")
    assert (response.status_code, response.json()["status"], response.json()["end_reason"]) == (
        200,
        "completed",
        "transferred_by_staff",
    )
    assert updates()[0]["Twiml"][0].endswith(f"<Response><Dial>{FRONT_DESK}</Dial></Response>")
    assert audit(acme) == [
        ("call.transfer", "alice@example.com", f"call:{live.pk}", {"to": FRONT_DESK, "mode": "cold"})
    ]


def test_a_warm_transfer_tells_the_person_who_calls_before_bridging(client, api, alice, acme, live, updates):
    control(api, alice, acme, live, action="transfer", to=FRONT_DESK, mode="warm", note="Wants a refund.")
    document = updates()[0]["Twiml"][0]
    assert f">{FRONT_DESK}</Number></Dial>" in document
    whisper_url = document.split('url="')[1].split('"')[0].replace("&amp;", "&")
    parts = urlsplit(whisper_url)
    path = f"{parts.path}?{parts.query}"
    assert path.startswith(webhook_path(acme, "whisper"))
    connection.set_schema_to_public()
    response = post_webhook(
        client,
        path,
        {"CallSid": "CA" + "7" * 32, "ParentCallSid": live.twilio_call_sid},
        signed_url=whisper_url.replace("https://", "http://"),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Call from 1 4 1 5 5 5 5 0 1 2 3, handed over by Mia. Wants a refund.</Say>" in body


def test_take_over_bridges_the_caller_to_the_staff_members_phone(api, alice, acme, live, updates):
    response = control(api, alice, acme, live, action="takeover", phone=STAFF_PHONE)
    assert response.json()["end_reason"] == "taken_over_by_staff"
    document = updates()[0]["Twiml"][0]
    assert "<Say" in document and "connect you to a member of our team" in document
    assert f">{STAFF_PHONE}</Number></Dial>" in document
    assert audit(acme)[0][:2] == ("call.takeover", "alice@example.com")


def test_end_hangs_up_through_twilio(api, alice, acme, live, updates):
    response = control(api, alice, acme, live, action="end")
    assert (response.json()["status"], response.json()["end_reason"]) == ("completed", "ended_by_staff")
    assert updates()[0]["Status"] == ["completed"]
    assert audit(acme)[0][0] == "call.end"


def test_a_transfer_needs_a_number(api, alice, acme, live):
    response = control(api, alice, acme, live, action="transfer")
    assert (response.status_code, list(response.json()["errors"])) == (400, ["to"])


def test_a_take_over_needs_the_staff_members_phone(api, alice, acme, live):
    response = control(api, alice, acme, live, action="takeover", phone="not a phone")
    assert (response.status_code, list(response.json()["errors"])) == (400, ["phone"])


def test_an_unknown_control_is_400_naming_the_action(api, alice, acme, live):
    response = control(api, alice, acme, live, action="explode")
    assert (response.status_code, list(response.json()["errors"])) == (400, ["action"])


def test_a_member_cannot_control_calls(api, mike, acme, live):
    response = control(api, mike, acme, live, action="hold")
    assert (response.status_code, response.json()["error_code"]) == (403, "role_forbidden")


def test_globex_cannot_control_acmes_call(api, bob, acme, globex, live, updates):
    assert control(api, bob, globex, live, action="end").status_code == 404
    assert control(api, bob, acme, live, action="end").status_code == 403
    assert updates() == [] and stored(acme, live).status == Call.Status.IN_PROGRESS


def test_an_unknown_call_is_404(api, alice, acme, live):
    assert api(alice, acme).post("/api/calls/999999/control", {"action": "hold"}, format="json").status_code == 404
