"""Staff controls through the live WebSocket, and what they do to a call's media stream: muted, the agent
stops talking and takes no turn; on hold, the stream Twilio closes does not end the call, and the resumed
stream carries on the conversation without greeting again."""

import asyncio
import json
from urllib.parse import parse_qs

import pytest
from channels.db import database_sync_to_async
from django_tenants.utils import schema_context

from calls.models import Call, CallTurn
from calls.services import controls
from calls.simulator import Do, HangUp, Pause, Say, WaitForAgent
from calls.tests.factories import API_PREFIX, TwilioAccountFactory, call_resource, twilio_api
from calls.tests.media_helpers import caller_says, live_call, run_call, stored_call
from calls.tests.test_live_call import watch
from compliance.models import AuditEvent
from tenants.models import Tenant

pytestmark = [pytest.mark.usefixtures("committed_db"), pytest.mark.slow]
__all__ = ["twilio_api"]

# The control group's message reaches the media session through Redis, on its own task.
SETTLE_SECONDS = 0.3


@database_sync_to_async
def with_twilio_account(slug="acme"):
    with schema_context(Tenant.schema_name_for(slug)):
        TwilioAccountFactory()


@database_sync_to_async
def staff_control(call, action, **params):
    tenant = Tenant.objects.get(slug=call["tenant"])
    with schema_context(tenant.schema_name):
        controls.control_call(tenant, Call.objects.get(pk=call["id"]), action, actor=None, **params)


def controlled(call, action):
    async def act():
        await staff_control(call, action)
        await asyncio.sleep(SETTLE_SECONDS)

    return Do(act)


def twilio_updates(twilio_api, call):
    path = f"{API_PREFIX}/Calls/{call['sid']}.json"
    twilio_api.add(
        "POST", path, json=call_resource(call["sid"], to="+15550002222", from_="+15550001111", status="in-progress")
    )
    return lambda: [parse_qs(request.body.decode()) for request in twilio_api.requests_to("POST", path)]


@database_sync_to_async
def audit_actions(slug="acme"):
    with schema_context(Tenant.schema_name_for(slug)):
        return list(AuditEvent.objects.filter(action__startswith="call.").values_list("action", "actor_label"))


async def test_a_muted_agent_goes_quiet_and_answers_again_once_unmuted():
    call = await live_call()
    result, _ = await run_call(
        call,
        [
            WaitForAgent(),
            controlled(call, "mute"),
            Say(caller_says("book an appointment")),
            Pause(2000),
            controlled(call, "unmute"),
            Say(caller_says("book an appointment")),
            WaitForAgent(),
            HangUp(),
        ],
    )
    _, turns = await stored_call("acme", call["id"])
    assert [(turn.speaker, turn.node_id) for turn in turns] == [
        (CallTurn.Speaker.AGENT, "reason"),
        (CallTurn.Speaker.CALLER, ""),
        (CallTurn.Speaker.AGENT, "patient_name"),
    ]
    assert len(result.answers) == 2


async def test_muting_cuts_off_what_the_agent_is_saying():
    call = await live_call()

    async def mute_while_greeting():
        # The caller's clock stands still, so the greeting, once its first audio is out, is still playing.
        while not (await stored_call("acme", call["id"]))[1]:
            await asyncio.sleep(0.02)
        await staff_control(call, "mute")
        await asyncio.sleep(SETTLE_SECONDS)

    result, _ = await run_call(call, [Pause(20), Do(mute_while_greeting), Pause(500), HangUp()])
    _, turns = await stored_call("acme", call["id"])
    assert result.clears == 1 and result.answers == []  # cleared before the caller heard any of it
    assert (turns[0].node_id, turns[0].interrupted, turns[0].heard_text) == ("reason", True, "")


async def test_a_call_on_hold_keeps_going_and_resumes_where_it_was(twilio_api):
    call = await live_call()
    await with_twilio_account()
    updates = twilio_updates(twilio_api, call)
    # Twilio closes the stream (`stop`) once the hold music replaces it.
    await run_call(call, [WaitForAgent(), Do(lambda: staff_control(call, "hold")), HangUp()])
    on_hold, turns = await stored_call("acme", call["id"])
    assert (on_hold.status, on_hold.on_hold, on_hold.end_reason) == (Call.Status.IN_PROGRESS, True, "")
    assert '<Play loop="0">' in updates()[0]["Twiml"][0]

    await staff_control(call, "resume")
    assert "<Connect><Stream" in updates()[1]["Twiml"][0]
    result, _ = await run_call(call, [Say(caller_says("book an appointment")), WaitForAgent(), HangUp()])
    assert len(result.answers) == 1  # no second greeting
    final, turns = await stored_call("acme", call["id"])
    assert [(turn.speaker, turn.node_id) for turn in turns] == [
        (CallTurn.Speaker.AGENT, "reason"),
        (CallTurn.Speaker.CALLER, ""),
        (CallTurn.Speaker.AGENT, "patient_name"),
    ]
    assert (final.status, final.end_reason, final.on_hold) == (Call.Status.COMPLETED, "caller_hangup", False)


async def test_a_stream_cannot_start_while_the_call_is_on_hold():
    call = await live_call(status=Call.Status.IN_PROGRESS, on_hold=True)
    result, code = await run_call(call, [WaitForAgent()])
    assert code == 4403 and result.answers == []


# Over the live WebSocket ---------------------------------------------------------------------------


async def receive_until(ws, kind):
    while True:
        message = json.loads(await ws.receive_from(timeout=5))
        if message["type"] == kind:
            return message


async def test_an_admin_holds_the_call_from_the_live_view_and_every_watcher_sees_it(twilio_api):
    call = await live_call(status=Call.Status.IN_PROGRESS)
    await with_twilio_account()
    updates = twilio_updates(twilio_api, call)
    admin, _ = await watch(call["id"], "amy")
    member, _ = await watch(call["id"], "mike")
    await admin.receive_from()
    await member.receive_from()
    await admin.send_to(text_data=json.dumps({"type": "control", "action": "hold"}))
    ack = await receive_until(admin, "ack")
    assert ack["action"] == "hold" and ack["call"]["on_hold"] is True
    seen = await receive_until(member, "controls")
    assert seen == {
        "type": "controls",
        "action": "hold",
        "by": "amy@example.com",
        "on_hold": True,
        "agent_muted": False,
    }
    assert '<Play loop="0">' in updates()[0]["Twiml"][0]
    assert await audit_actions() == [("call.hold", "amy@example.com")]
    await admin.disconnect()
    await member.disconnect()


async def test_a_member_may_watch_but_not_control():
    call = await live_call(status=Call.Status.IN_PROGRESS)
    ws, _ = await watch(call["id"], "mike")
    await ws.receive_from()
    await ws.send_to(text_data=json.dumps({"type": "control", "action": "mute"}))
    error = json.loads(await ws.receive_from())
    assert (error["type"], error["error_code"]) == ("error", "role_forbidden")
    assert await audit_actions() == []
    await ws.disconnect()


async def test_an_invalid_transition_over_the_live_view_is_an_error_naming_it():
    call = await live_call(status=Call.Status.IN_PROGRESS)
    ws, _ = await watch(call["id"], "alice")
    await ws.receive_from()
    await ws.send_to(text_data=json.dumps({"type": "control", "action": "unmute"}))
    error = json.loads(await ws.receive_from())
    assert (error["type"], error["action"], error["error_code"]) == ("error", "unmute", "invalid_transition")
    await ws.send_to(text_data=json.dumps({"type": "control", "action": "transfer"}))
    error = json.loads(await ws.receive_from())
    assert (error["error_code"], list(error["errors"])) == ("validation_error", ["to"])
    await ws.send_to(text_data="not json")
    assert json.loads(await ws.receive_from())["error_code"] == "malformed_json"
    await ws.disconnect()


async def test_a_finished_call_cannot_be_controlled_from_the_live_view():
    call = await live_call(status=Call.Status.COMPLETED)
    ws, _ = await watch(call["id"], "alice")
    await ws.receive_from()
    await ws.send_to(text_data=json.dumps({"type": "control", "action": "end"}))
    assert json.loads(await ws.receive_from())["error_code"] == "call_finished"
    await ws.disconnect()


async def test_globex_staff_cannot_open_acmes_call_to_control_it():
    call = await live_call(status=Call.Status.IN_PROGRESS)
    _, on_globex = await watch(call["id"], "bob", host="globex.localhost")
    _, on_acme = await watch(call["id"], "bob")
    assert (on_globex, on_acme) == ((False, 4404), (False, 4403))
