"""Twilio webhooks: signed with the tenant's auth token or refused; TwiML for inbound calls; status,
recording and answering-machine callbacks that are idempotent and never move a call backwards."""

import base64
import json
import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from django_tenants.utils import tenant_context
from twilio.request_validator import RequestValidator

from agents.tests.factories import AgentFactory
from billing.tests.factories import put_on_plan
from calls.media import greetings
from calls.media.speech import Speech
from calls.models import Call
from calls.tests.factories import (
    API_PREFIX,
    AUTH_TOKEN,
    CallFactory,
    PhoneNumberFactory,
    TwilioAccountFactory,
    call_resource,
    call_sid,
    post_webhook,
    status_params,
    twilio_api,
    voice_params,
    webhook_path,
)
from config.celery import app, queue_key
from config.redis import get_redis
from tenants.services import set_status

pytestmark = pytest.mark.django_db
__all__ = ["twilio_api"]

NUMBER = "+14155550100"


@pytest.fixture
def acme_line(acme):
    """Acme's Twilio account and its number answered by an agent."""
    with tenant_context(acme):
        TwilioAccountFactory()
        agent = AgentFactory(voicemail_message="Hi, this is Acme Dental, please call us back.")
        PhoneNumberFactory(number=NUMBER, agent=agent)
    return agent


def calls_in(tenant):
    with tenant_context(tenant):
        return list(Call.objects.order_by("id"))


def stream_parameters(body: str) -> dict:
    return dict(re.findall(r'<Parameter name="(\w+)" value="([^"]*)" />', body))


def greeting_key(tenant, call) -> str:
    """Where the call's greeting, as its agent says it, is cached."""
    with tenant_context(tenant):
        agent = call.agent
        speech = Speech(
            schema=tenant.schema_name,
            stt=None,
            tts=None,
            tts_name=agent.tts_provider,
            voice=agent.voice_id,
            language=agent.language,
        )
        return speech.key(greetings.greeting_text(call))


# Voice webhook: inbound calls -----------------------------------------------------------------


def test_inbound_call_is_bridged_to_the_media_stream_with_call_id_tenant_and_greeting(client, acme, acme_line):
    sid = call_sid()
    response = post_webhook(client, webhook_path(acme, "voice"), voice_params(sid, to=NUMBER))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    body = response.content.decode()
    [call] = calls_in(acme)
    assert f'<Connect><Stream url="ws://{django_settings.API_HOST}/ws/twilio/media/acme/">' in body
    assert stream_parameters(body) == {"call_id": str(call.pk), "tenant": "acme", "greeting": greeting_key(acme, call)}
    assert (call.direction, call.status, call.agent_id, call.from_number, call.to_number, call.twilio_call_sid) == (
        "inbound",
        "in_progress",
        acme_line.pk,
        "+14155550123",
        NUMBER,
        sid,
    )


def test_behind_a_trusted_proxy_the_signed_https_url_is_rebuilt_and_the_stream_is_wss(
    client, acme, acme_line, settings
):
    settings.TWILIO_TRUSTED_PROXIES = ["127.0.0.0/8"]
    path = webhook_path(acme, "voice")
    response = post_webhook(
        client,
        path,
        voice_params(call_sid(), to=NUMBER),
        signed_url=f"https://voice.example.com{path}",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_HOST="voice.example.com",
    )
    assert response.status_code == 200
    assert '<Stream url="wss://voice.example.com/ws/twilio/media/acme/">' in response.content.decode()


@pytest.mark.parametrize(
    ("base_url", "stream_url"),
    [
        ("wss://media.example.com", "wss://media.example.com/ws/twilio/media/acme/"),
        ("ws://127.0.0.1:8001", "ws://127.0.0.1:8001/ws/twilio/media/acme/"),
    ],
)
def test_with_a_media_stream_base_url_the_stream_goes_to_the_media_process(
    client, acme, acme_line, settings, base_url, stream_url
):
    settings.MEDIA_STREAM_BASE_URL = base_url
    response = post_webhook(client, webhook_path(acme, "voice"), voice_params(call_sid(), to=NUMBER))
    assert f'<Connect><Stream url="{stream_url}">' in response.content.decode()


def test_forwarded_headers_from_an_untrusted_address_are_ignored(client, acme, acme_line, settings):
    settings.TWILIO_TRUSTED_PROXIES = ["10.0.0.0/8"]
    path = webhook_path(acme, "voice")
    response = post_webhook(
        client,
        path,
        voice_params(call_sid(), to=NUMBER),
        signed_url=f"https://voice.example.com{path}",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_HOST="voice.example.com",
    )
    assert response.status_code == 403
    assert calls_in(acme) == []


def test_the_same_call_sid_twice_makes_one_call_and_the_same_twiml(client, acme, acme_line):
    params = voice_params(call_sid(), to=NUMBER)
    first = post_webhook(client, webhook_path(acme, "voice"), params)
    second = post_webhook(client, webhook_path(acme, "voice"), params)
    assert first.content == second.content
    assert len(calls_in(acme)) == 1


def test_a_retried_webhook_for_a_conversation_under_way_connects_without_a_greeting(client, acme, acme_line):
    params = voice_params(call_sid(), to=NUMBER)
    post_webhook(client, webhook_path(acme, "voice"), params)
    with tenant_context(acme):
        Call.objects.update(state={"node": "ask"})
    again = post_webhook(client, webhook_path(acme, "voice"), params).content.decode()
    assert set(stream_parameters(again)) == {"call_id", "tenant"}


def test_a_number_without_an_agent_says_sorry_and_hangs_up_without_a_call(client, acme):
    with tenant_context(acme):
        TwilioAccountFactory()
        PhoneNumberFactory(number=NUMBER, agent=None)
    body = post_webhook(client, webhook_path(acme, "voice"), voice_params(call_sid(), to=NUMBER)).content.decode()
    assert re.search(r"<Say[^>]*>Sorry, nobody can take your call.*</Say><Hangup />", body)
    assert calls_in(acme) == []


def test_a_number_with_inbound_off_says_sorry_and_hangs_up(client, acme, acme_line):
    with tenant_context(acme):
        acme_line.phone_numbers.update(inbound_enabled=False)
    body = post_webhook(client, webhook_path(acme, "voice"), voice_params(call_sid(), to=NUMBER)).content.decode()
    assert "<Hangup />" in body and "<Connect>" not in body
    assert calls_in(acme) == []


def test_a_suspended_tenant_answers_not_in_service_and_hangs_up(client, acme, acme_line):
    set_status(acme, "suspended", "Unpaid invoice")
    body = post_webhook(client, webhook_path(acme, "voice"), voice_params(call_sid(), to=NUMBER)).content.decode()
    assert re.search(r"<Say[^>]*>Sorry, this number is not available right now.*</Say><Hangup />", body)
    assert calls_in(acme) == []


def test_a_tenant_out_of_its_plans_minutes_sends_the_caller_to_voicemail(client, acme, acme_line):
    put_on_plan(acme, monthly_minutes=1)
    with tenant_context(acme):
        CallFactory(duration_seconds=61)
    body = post_webhook(client, webhook_path(acme, "voice"), voice_params(call_sid(), to=NUMBER)).content.decode()
    assert "<Record" in body and "<Connect>" not in body
    assert [call.end_reason for call in calls_in(acme)][-1] == "voicemail"


# Signatures ---------------------------------------------------------------------------------


def test_a_request_without_signature_is_403_and_writes_nothing(client, acme, acme_line):
    response = post_webhook(client, webhook_path(acme, "voice"), voice_params(call_sid(), to=NUMBER), signature="")
    assert response.status_code == 403
    assert response.json()["error_code"] == "invalid_signature"
    assert calls_in(acme) == []


def test_a_request_signed_with_another_token_is_403_and_writes_nothing(client, acme, acme_line):
    response = post_webhook(client, webhook_path(acme, "voice"), voice_params(call_sid(), to=NUMBER), token="e" * 32)
    assert response.status_code == 403
    assert calls_in(acme) == []


def test_tampered_parameters_break_the_signature(client, acme, acme_line):
    params = voice_params(call_sid(), to=NUMBER)
    path = webhook_path(acme, "voice")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"http://{django_settings.API_HOST}{path}", params)
    response = post_webhook(client, path, {**params, "From": "+14155559999"}, signature=signature)
    assert response.status_code == 403
    assert calls_in(acme) == []


def test_globex_cannot_drive_acme_webhooks_with_its_own_token(client, acme, globex, acme_line):
    with tenant_context(globex):
        TwilioAccountFactory(auth_token="b" * 32)
    response = post_webhook(client, webhook_path(acme, "voice"), voice_params(call_sid(), to=NUMBER), token="b" * 32)
    assert response.status_code == 403
    assert calls_in(acme) == []


def test_an_unknown_tenant_is_403(client):
    response = client.post(
        "/api/webhooks/twilio/nobody/voice",
        {"CallSid": call_sid()},
        HTTP_HOST=django_settings.API_HOST,
        HTTP_X_TWILIO_SIGNATURE="x",
    )
    assert response.status_code == 403


def test_a_tenant_without_a_twilio_account_is_403(client, globex):
    response = post_webhook(client, webhook_path(globex, "voice"), voice_params(call_sid(), to=NUMBER))
    assert response.status_code == 403


def test_an_unknown_webhook_kind_is_404(client, acme, acme_line):
    assert post_webhook(client, webhook_path(acme, "sms"), {"CallSid": call_sid()}).status_code == 404


def test_a_status_callback_with_a_forged_signature_changes_nothing(client, acme, acme_line):
    with tenant_context(acme):
        call = CallFactory(status="ringing", direction="outbound")
    response = post_webhook(
        client, webhook_path(acme, "status"), status_params(call.twilio_call_sid, "completed"), token="0" * 32
    )
    assert response.status_code == 403
    assert calls_in(acme)[0].status == "ringing"


# Status callbacks ---------------------------------------------------------------------------


def send_status(client, tenant, call, status, **kwargs):
    return post_webhook(
        client, webhook_path(tenant, "status", call_id=call.pk), status_params(call.twilio_call_sid, status, **kwargs)
    )


@pytest.fixture
def outbound_call(acme, acme_line):
    with tenant_context(acme):
        return CallFactory(direction="outbound", status="queued", agent=acme_line)


def test_statuses_move_the_call_forward_and_completion_takes_twilios_duration(client, acme, outbound_call):
    assert send_status(client, acme, outbound_call, "ringing").status_code == 204
    assert calls_in(acme)[0].status == "ringing"
    send_status(client, acme, outbound_call, "in-progress")
    answered = calls_in(acme)[0]
    assert (answered.status, answered.started_at is not None) == ("in_progress", True)
    send_status(client, acme, outbound_call, "completed", duration=37)
    call = calls_in(acme)[0]
    assert (call.status, call.duration_seconds, call.end_reason, call.ended_at is not None) == (
        "completed",
        37,
        "completed",
        True,
    )


def test_the_same_status_twice_changes_nothing_the_second_time(client, acme, outbound_call):
    send_status(client, acme, outbound_call, "completed", duration=12)
    first = calls_in(acme)[0]
    send_status(client, acme, outbound_call, "completed", duration=12)
    second = calls_in(acme)[0]
    assert (second.status, second.ended_at, second.duration_seconds) == (first.status, first.ended_at, 12)


def test_a_late_ringing_does_not_regress_an_answered_call(client, acme, outbound_call):
    send_status(client, acme, outbound_call, "in-progress")
    send_status(client, acme, outbound_call, "ringing")
    assert calls_in(acme)[0].status == "in_progress"


def test_a_late_in_progress_does_not_reopen_a_finished_call(client, acme, outbound_call):
    send_status(client, acme, outbound_call, "busy")
    send_status(client, acme, outbound_call, "in-progress")
    call = calls_in(acme)[0]
    assert (call.status, call.started_at) == ("busy", None)


def test_a_second_final_status_keeps_the_first_outcome(client, acme, outbound_call):
    send_status(client, acme, outbound_call, "no-answer")
    send_status(client, acme, outbound_call, "failed")
    assert calls_in(acme)[0].status == "no_answer"


def test_an_unknown_status_is_400_naming_the_field(client, acme, outbound_call):
    response = send_status(client, acme, outbound_call, "exploded")
    assert response.status_code == 400
    assert "CallStatus" in response.json()["errors"]


def test_a_status_for_a_call_whose_sid_was_never_saved_finds_it_by_id(client, acme, outbound_call):
    with tenant_context(acme):
        Call.objects.filter(pk=outbound_call.pk).update(twilio_call_sid=None)
    sid = call_sid()
    post_webhook(client, webhook_path(acme, "status", call_id=outbound_call.pk), status_params(sid, "ringing"))
    call = calls_in(acme)[0]
    assert (call.twilio_call_sid, call.status) == (sid, "ringing")


def test_a_status_for_an_unknown_call_is_accepted_and_ignored(client, acme, acme_line):
    response = post_webhook(client, webhook_path(acme, "status"), status_params(call_sid(), "completed"))
    assert response.status_code == 204
    assert calls_in(acme) == []


def test_completion_queues_the_analysis_in_the_tenant_schema(
    client, acme, outbound_call, django_capture_on_commit_callbacks
):
    redis, queue = (
        get_redis(),
        queue_key(app.amqp.router.route({}, "calls.analyse_call")["queue"].name),
    )  # the analysis queue
    redis.delete(queue)
    with django_capture_on_commit_callbacks(execute=True):
        send_status(client, acme, outbound_call, "completed", duration=20)
        send_status(client, acme, outbound_call, "completed", duration=20)
    messages = [json.loads(raw) for raw in redis.lrange(queue, 0, -1)]
    redis.delete(queue)
    assert [(m["headers"]["task"], m["headers"]["_schema_name"]) for m in messages] == [
        ("calls.analyse_call", "t_acme")
    ]
    assert json.loads(base64.b64decode(messages[0]["body"]))[0] == [outbound_call.pk]


# Outbound answer, recordings, answering machine detection -------------------------------------


def test_an_answered_outbound_call_is_bridged_to_the_media_stream(client, acme, outbound_call):
    params = voice_params(
        outbound_call.twilio_call_sid, to="+14155550123", from_=NUMBER, direction="outbound-api", status="in-progress"
    )
    response = post_webhook(client, webhook_path(acme, "voice", call_id=outbound_call.pk), params)
    assert stream_parameters(response.content.decode()) == {
        "call_id": str(outbound_call.pk),
        "tenant": "acme",
        "greeting": greeting_key(acme, outbound_call),
    }
    assert calls_in(acme)[0].status == "in_progress"


def test_an_outbound_call_ended_before_answer_just_hangs_up(client, acme, outbound_call):
    send_status(client, acme, outbound_call, "canceled")
    params = voice_params(outbound_call.twilio_call_sid, to="+14155550123", from_=NUMBER, direction="outbound-api")
    body = post_webhook(client, webhook_path(acme, "voice", call_id=outbound_call.pk), params).content.decode()
    assert "<Hangup />" in body and "<Connect>" not in body


def recording_params(call, sid="RE" + "1" * 32):
    return {
        "AccountSid": "AC",
        "CallSid": call.twilio_call_sid,
        "RecordingSid": sid,
        "RecordingUrl": f"https://api.twilio.com{API_PREFIX}/Recordings/{sid}",
        "RecordingStatus": "completed",
        "RecordingDuration": "35",
        "RecordingChannels": "1",
        "RecordingSource": "OutboundAPI",
        "RecordingStartTime": "Mon, 23 Nov 2026 18:00:00 +0000",
    }


def test_a_completed_recording_is_attached_to_its_call_once(client, acme, outbound_call):
    params = recording_params(outbound_call)
    for _ in range(2):
        assert (
            post_webhook(client, webhook_path(acme, "recording", call_id=outbound_call.pk), params).status_code == 204
        )
    call = calls_in(acme)[0]
    assert (call.recording_sid, call.recording_duration) == (params["RecordingSid"], 35)
    assert call.recording_url == params["RecordingUrl"]


@pytest.mark.parametrize(
    "change",
    [
        {"RecordingUrl": "http://169.254.169.254/latest/meta-data/"},
        {"RecordingUrl": "https://10.0.0.5/rec.mp3"},
        {"RecordingUrl": "https://evil.example.com/rec.mp3"},
        {"RecordingUrl": "javascript:alert(1)"},
        {"RecordingUrl": "https://api.twilio.com@evil.com/"},
        {"RecordingSid": "../../Calls/CA1"},
    ],
)
def test_a_recording_callback_pointing_elsewhere_is_ignored(client, acme, outbound_call, change):
    params = {**recording_params(outbound_call), **change}
    assert post_webhook(client, webhook_path(acme, "recording", call_id=outbound_call.pk), params).status_code == 204
    call = calls_in(acme)[0]
    assert (call.recording_sid, call.recording_url) == ("", "")


def test_a_failed_recording_is_not_attached(client, acme, outbound_call):
    params = {**recording_params(outbound_call), "RecordingStatus": "failed"}
    post_webhook(client, webhook_path(acme, "recording", call_id=outbound_call.pk), params)
    assert calls_in(acme)[0].recording_sid == ""


def amd_params(call, answered_by):
    return {
        "AccountSid": "AC",
        "CallSid": call.twilio_call_sid,
        "AnsweredBy": answered_by,
        "MachineDetectionDuration": "4210",
    }


def test_a_machine_gets_the_voicemail_message_once(client, acme, outbound_call, twilio_api):
    with tenant_context(acme):
        Call.objects.filter(pk=outbound_call.pk).update(
            status="in_progress", started_at=timezone.now() - timedelta(seconds=5)
        )
    path = f"{API_PREFIX}/Calls/{outbound_call.twilio_call_sid}.json"
    twilio_api.add(
        "POST",
        path,
        json=call_resource(outbound_call.twilio_call_sid, to="+14155550123", from_=NUMBER, status="in-progress"),
    )
    for _ in range(2):
        response = post_webhook(
            client, webhook_path(acme, "amd", call_id=outbound_call.pk), amd_params(outbound_call, "machine_end_beep")
        )
        assert response.status_code == 204
    [update] = twilio_api.requests_to("POST", path)
    twiml = dict(pair.split("=", 1) for pair in update.body.decode().split("&"))["Twiml"]
    assert "please+call+us+back" in twiml and "Hangup" in twiml
    assert calls_in(acme)[0].answered_by == "machine_end_beep"


def test_a_human_answer_is_recorded_and_the_conversation_goes_on(client, acme, outbound_call, twilio_api):
    post_webhook(client, webhook_path(acme, "amd", call_id=outbound_call.pk), amd_params(outbound_call, "human"))
    assert calls_in(acme)[0].answered_by == "human"
    assert twilio_api.requests == []
