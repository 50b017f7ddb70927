"""The engine's `send_sms` and `webhook` actions on live calls: SMS through Twilio's Messages API from the
agent's number, webhooks as signed JSON POSTs with an idempotency key; off the media loop, logged on the call,
failures never raised."""

import asyncio
import json
import time
from urllib.parse import parse_qs

import pytest
from channels.db import database_sync_to_async
from django_tenants.utils import schema_context, tenant_context

from agents import services as agent_services
from agents.models import FlowVersion
from calls.models import Call
from calls.services import actions
from calls.simulator import HangUp, WaitForAgent
from calls.tests.factories import ACCOUNT_SID, API_PREFIX, CallFactory, TwilioAccountFactory, twilio_api, twilio_error
from calls.tests.media_helpers import live_call, run_call
from scheduling.tests.fakes import twilio_message
from tenants.models import Tenant
from webhooks import signing
from webhooks.models import Delivery

__all__ = ["twilio_api"]

MESSAGES = f"{API_PREFIX}/Messages.json"
HOOK = "/hooks/lead"
OUR_NUMBER = "+14155550100"
CALLER = "+14155550123"


def sms(to=CALLER, body="Acme Dental, 1 Main Street"):
    return {"name": "send_sms", "ok": True, "params": {"body": body}, "data": {"to": to, "body": body}}


def hook(url, payload=None):
    return {"name": "webhook", "ok": True, "params": {"url": url}, "data": {"url": url, "payload": payload or {}}}


@pytest.fixture
def call(acme):
    with tenant_context(acme):
        TwilioAccountFactory()
        return CallFactory(status=Call.Status.IN_PROGRESS, from_number=CALLER, to_number=OUR_NUMBER)


def perform(tenant, call, action, turn=2, position=0):
    with tenant_context(tenant):
        return actions.perform(call.pk, turn, position, action)


def action_log(tenant, call):
    with tenant_context(tenant):
        return Call.objects.get(pk=call.pk).action_log


@pytest.mark.django_db
def test_an_sms_goes_out_from_the_number_the_caller_dialled(acme, call, twilio_api):
    twilio_api.add(
        "POST",
        MESSAGES,
        status=201,
        json=twilio_message(to=CALLER, from_=OUR_NUMBER, body="Acme Dental, 1 Main Street", account_sid=ACCOUNT_SID),
    )
    perform(acme, call, sms())
    [request] = twilio_api.requests_to("POST", MESSAGES)
    assert parse_qs(request.body.decode()) == {
        "To": [CALLER],
        "From": [OUR_NUMBER],
        "Body": ["Acme Dental, 1 Main Street"],
    }
    [entry] = action_log(acme, call)
    assert (entry["action"], entry["turn"], entry["ok"], entry["to"], entry["sid"]) == (
        "send_sms",
        2,
        True,
        CALLER,
        "SM" + "a" * 32,
    )


@pytest.mark.django_db
def test_an_outbound_call_texts_from_the_number_it_called_from(acme, twilio_api):
    with tenant_context(acme):
        TwilioAccountFactory()
        outbound = CallFactory(direction=Call.Direction.OUTBOUND, from_number=OUR_NUMBER, to_number=CALLER)
    twilio_api.add(
        "POST",
        MESSAGES,
        status=201,
        json=twilio_message(to=CALLER, from_=OUR_NUMBER, body="x", account_sid=ACCOUNT_SID),
    )
    perform(acme, outbound, sms(body="x"))
    assert parse_qs(twilio_api.requests_to("POST", MESSAGES)[0].body.decode())["From"] == [OUR_NUMBER]


@pytest.mark.django_db
def test_an_sms_twilio_refuses_is_logged_on_the_call_not_raised(acme, call, twilio_api):
    twilio_api.add(
        "POST",
        MESSAGES,
        status=400,
        json=twilio_error(400, 21211, "The 'To' number +1555 is not a valid phone number."),
    )
    entry = perform(acme, call, sms(to="+1555"))
    assert entry["ok"] is False and "not a valid phone number" in entry["error"]
    assert action_log(acme, call) == [entry]


@pytest.mark.django_db
def test_a_webhook_is_signed_with_the_tenants_secret_and_keyed_per_call_and_turn(acme, call, fake_http):
    fake_http.add("POST", HOOK, json={"received": True})
    perform(acme, call, hook(fake_http.url + HOOK, {"lead": "hot"}), turn=4, position=1)
    [request] = fake_http.requests_to("POST", HOOK)
    with tenant_context(acme):
        secret = actions.webhook_secret()
    assert signing.verify(secret, request.headers["webhook-signature"], request.body, now=int(time.time()))
    assert request.headers["webhook-id"] == f"call-{call.pk}-turn-4-1"
    assert request.headers["content-type"] == "application/json"
    assert (request.json["id"], request.json["type"]) == (f"call-{call.pk}-turn-4-1", "call.action.webhook")
    assert request.json["data"] == {
        "turn": 4,
        "payload": {"lead": "hot"},
        "call": {"id": call.pk, "direction": "inbound", "from": CALLER, "to": OUR_NUMBER, "agent_id": None},
    }
    [entry] = action_log(acme, call)
    assert (entry["action"], entry["ok"], entry["status"]) == ("webhook", True, 200)


@pytest.mark.django_db
def test_tenants_sign_with_different_secrets(acme, globex):
    with tenant_context(acme):
        acme_secret = actions.webhook_secret()
    with tenant_context(globex):
        globex_secret = actions.webhook_secret()
    assert acme_secret != globex_secret and len(acme_secret) == 64


@pytest.mark.django_db
def test_a_webhook_answering_an_error_is_logged(acme, call, fake_http):
    fake_http.add("POST", HOOK, status=500, json={"error": "boom"})
    entry = perform(acme, call, hook(fake_http.url + HOOK))
    assert entry["ok"] is False and entry["error"].endswith("answered HTTP 500")


@pytest.mark.django_db
def test_a_failed_webhook_is_left_to_the_delivery_retries_with_its_attempt_logged(acme, call, fake_http):
    fake_http.add("POST", HOOK, status=503, json={})
    perform(acme, call, hook(fake_http.url + HOOK), turn=3, position=0)
    with tenant_context(acme):
        delivery = Delivery.objects.get()
        assert (delivery.endpoint, delivery.event_id, delivery.status) == (None, f"call-{call.pk}-turn-3-0", "pending")
        assert [(a.number, a.response_status) for a in delivery.attempt_log.all()] == [(1, 503)]
        assert delivery.next_attempt_at > delivery.created_at


@pytest.mark.django_db
def test_a_slow_webhook_is_given_up_after_the_timeout(acme, call, fake_http, settings):
    settings.CALL_ACTION_WEBHOOK_TIMEOUT = 0.2
    fake_http.add("POST", HOOK, json={}, delay=2)
    started = time.monotonic()
    entry = perform(acme, call, hook(fake_http.url + HOOK))
    assert time.monotonic() - started < 1.5
    assert entry["ok"] is False and "could not be reached" in entry["error"]


@pytest.mark.django_db
def test_an_unreachable_webhook_is_logged(acme, call):
    entry = perform(acme, call, hook("http://127.0.0.1:9/nothing"))
    assert entry["ok"] is False and "could not be reached" in entry["error"]


@pytest.mark.django_db
def test_a_webhook_to_the_platforms_own_network_is_refused_and_logged(acme, call, fake_http, settings):
    settings.OUTBOUND_PRIVATE_HOSTS = []
    entry = perform(acme, call, hook(fake_http.url + HOOK))
    assert entry["ok"] is False and "private or reserved" in entry["error"]
    assert fake_http.requests == [] and action_log(acme, call) == [entry]


# The secret over the API ----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_admin_reads_and_rotates_the_webhook_secret(api, amy, acme):
    first = api(amy, acme).get("/api/webhook-secret").json()["secret"]
    assert api(amy, acme).get("/api/webhook-secret").json()["secret"] == first
    rotated = api(amy, acme).post("/api/webhook-secret").json()["secret"]
    assert rotated != first and api(amy, acme).get("/api/webhook-secret").json()["secret"] == rotated


@pytest.mark.django_db
def test_a_member_cannot_see_the_webhook_secret(api, mike, acme):
    response = api(mike, acme).get("/api/webhook-secret")
    assert (response.status_code, response.json()["error_code"]) == (403, "role_forbidden")


# On a live call -------------------------------------------------------------------------------


@database_sync_to_async
def with_flow(call, url):
    """The call follows a flow that texts the caller and calls a webhook while greeting."""
    with schema_context(Tenant.schema_name_for(call["tenant"])):
        TwilioAccountFactory()
        template = agent_services.seed_demo_agent(Tenant.objects.get(slug=call["tenant"])).template
        flow = {
            "schema_version": 1,
            "nodes": [
                {
                    "id": "sms",
                    "type": "action",
                    "start": True,
                    "action": "send_sms",
                    "text": "Texting you our address.",
                    "params": {"body": "Acme Dental, 1 Main Street"},
                    "next": "hook",
                },
                {
                    "id": "hook",
                    "type": "action",
                    "action": "webhook",
                    "params": {"url": url, "payload": {"caller": "{contact.phone}"}},
                    "next": "ask",
                },
                {"id": "ask", "type": "question", "text": "Anything else?", "variable": "more", "next": "bye"},
                {"id": "bye", "type": "action", "action": "end_call", "text": "Goodbye."},
            ],
        }
        version = FlowVersion.objects.create(template=template, number=99, flow=flow, schema_version=1)
        Call.objects.filter(pk=call["id"]).update(flow_version=version)


@database_sync_to_async
def logged(call):
    with schema_context(Tenant.schema_name_for(call["tenant"])):
        return Call.objects.get(pk=call["id"]).action_log


@pytest.mark.slow
@pytest.mark.usefixtures("committed_db")
async def test_a_live_call_performs_its_sms_and_webhook_once_without_waiting_for_them(twilio_api):
    call = await live_call()
    await with_flow(call, twilio_api.url + HOOK)
    twilio_api.add(
        "POST",
        MESSAGES,
        status=201,
        json=twilio_message(
            to="+15550001111", from_="+15550002222", body="Acme Dental, 1 Main Street", account_sid=ACCOUNT_SID
        ),
    )
    twilio_api.add("POST", HOOK, json={}, delay=1.5)  # a slow receiver
    result, _ = await run_call(call, [WaitForAgent(), HangUp()])
    assert result.first_frame_ms < 1500  # the greeting did not wait for the webhook's 1.5 s
    for _ in range(100):
        entries = await logged(call)
        if len(entries) == 2:
            break
        await asyncio.sleep(0.05)
    assert sorted((entry["action"], entry["turn"], entry["ok"]) for entry in entries) == [
        ("send_sms", 0, True),
        ("webhook", 0, True),
    ]
    [text] = twilio_api.requests_to("POST", MESSAGES)
    assert parse_qs(text.body.decode())["From"] == ["+15550002222"]
    [request] = twilio_api.requests_to("POST", HOOK)
    assert json.loads(request.body)["data"]["payload"] == {"caller": "+15550001111"}
    assert request.headers["webhook-id"] == f"call-{call['id']}-turn-0-1"  # the turn's second action
