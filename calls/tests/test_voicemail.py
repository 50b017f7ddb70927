"""Answering machines on outbound calls: dialed with MachineDetection=DetectMessageEnd, the AMD callback comes
after the machine's greeting (machine_end_beep/_silence/_other), and the call's voicemail_action decides:
leave the agent's voicemail message (after the beep), hang up, or (blank) the agent's default."""

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.tests.factories import AgentFactory
from calls.models import Call
from calls.tests.factories import (
    API_PREFIX,
    CallFactory,
    PhoneNumberFactory,
    TwilioAccountFactory,
    call_resource,
    post_webhook,
    twilio_api,
    webhook_path,
)

pytestmark = pytest.mark.django_db
__all__ = ["twilio_api"]

NUMBER = "+14155550100"
MESSAGE = "Hi, this is Acme Dental, please call us back."


def answered_call(tenant, *, voicemail_action="", message=MESSAGE, language="en-US"):
    with tenant_context(tenant):
        TwilioAccountFactory()
        agent = AgentFactory(voicemail_message=message, language=language)
        PhoneNumberFactory(number=NUMBER, agent=agent)
        return CallFactory(
            direction="outbound",
            status="in_progress",
            agent=agent,
            voicemail_action=voicemail_action,
            started_at=timezone.now() - timedelta(seconds=8),
        )


def machine_answers(client, tenant, call, twilio_api, answered_by="machine_end_beep"):
    path = f"{API_PREFIX}/Calls/{call.twilio_call_sid}.json"
    twilio_api.add(
        "POST", path, json=call_resource(call.twilio_call_sid, to="+14155550123", from_=NUMBER, status="in-progress")
    )
    params = {
        "AccountSid": "AC",
        "CallSid": call.twilio_call_sid,
        "AnsweredBy": answered_by,
        "MachineDetectionDuration": "7210",
    }
    assert post_webhook(client, webhook_path(tenant, "amd", call_id=call.pk), params).status_code == 204
    with tenant_context(tenant):
        stored = Call.objects.get(pk=call.pk)
    return stored, [parse_qs(request.body.decode()) for request in twilio_api.requests_to("POST", path)]


def test_leave_message_says_the_voicemail_after_the_beep_and_hangs_up(client, acme, twilio_api):
    call = answered_call(acme, voicemail_action="leave_message")
    stored, [update] = machine_answers(client, acme, call, twilio_api)
    assert update["Twiml"] == [
        f'<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-US">{MESSAGE}</Say><Hangup /></Response>'
    ]
    assert (stored.status, stored.end_reason, stored.answered_by) == ("completed", "voicemail_left", "machine_end_beep")


@pytest.mark.parametrize("answered_by", ["machine_end_silence", "machine_end_other"])
def test_a_greeting_that_ends_without_a_beep_still_gets_the_message(client, acme, twilio_api, answered_by):
    call = answered_call(acme, voicemail_action="leave_message")
    stored, [update] = machine_answers(client, acme, call, twilio_api, answered_by)
    assert MESSAGE in update["Twiml"][0] and stored.end_reason == "voicemail_left"


def test_hang_up_leaves_no_message_even_when_the_agent_has_one(client, acme, twilio_api):
    call = answered_call(acme, voicemail_action="hang_up")
    stored, [update] = machine_answers(client, acme, call, twilio_api)
    assert update == {"Status": ["completed"]}
    assert (stored.status, stored.end_reason) == ("completed", "answering_machine")


def test_blank_uses_the_agents_message_in_its_language(client, acme, twilio_api):
    call = answered_call(acme, language="es-ES", message="Hola, llámenos.")
    _, [update] = machine_answers(client, acme, call, twilio_api)
    assert '<Say language="es-ES">Hola, llámenos.</Say><Hangup />' in update["Twiml"][0]


def test_blank_hangs_up_when_the_agent_has_no_message(client, acme, twilio_api):
    call = answered_call(acme, message="")
    stored, [update] = machine_answers(client, acme, call, twilio_api)
    assert update == {"Status": ["completed"]} and stored.end_reason == "answering_machine"


def test_leave_message_without_a_message_hangs_up(client, acme, twilio_api):
    call = answered_call(acme, voicemail_action="leave_message", message="")
    _, [update] = machine_answers(client, acme, call, twilio_api)
    assert update == {"Status": ["completed"]}


def test_a_fax_is_hung_up_on(client, acme, twilio_api):
    call = answered_call(acme, voicemail_action="leave_message")
    stored, [update] = machine_answers(client, acme, call, twilio_api, "fax")
    assert update == {"Status": ["completed"]} and stored.answered_by == "fax"


def test_a_late_second_result_changes_nothing(client, acme, twilio_api):
    call = answered_call(acme, voicemail_action="leave_message")
    machine_answers(client, acme, call, twilio_api)
    _, updates = machine_answers(client, acme, call, twilio_api, "human")
    assert len(updates) == 1
