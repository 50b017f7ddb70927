"""Log lines (config/logs.py): one JSON object each, naming the request, tenant, user and call they belong to, with
no phone number in full and no secret, whoever wrote them."""

import io
import json
import logging

import pytest
from django.urls import clear_url_caches, path
from django_tenants.utils import tenant_context
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

import config.urls
from calls.simulator import Do, HangUp, WaitForAgent, channels_transport, simulate
from calls.tests.factories import AUTH_TOKEN
from calls.tests.media_helpers import live_call
from config.asgi import application
from config.logs import JsonFormatter, TextFormatter, bound

log = logging.getLogger("voiceagents.test")
NUMBER = "+14155550123"


@pytest.fixture
def lines():
    """What the root logger writes through the JSON formatter, as parsed lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(previous)


class Chatty(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        log.info("calling %s back, password=hunter2", NUMBER)
        if "explode" in request.query_params:
            raise RuntimeError(f"could not dial {NUMBER}")
        return Response({})


@pytest.fixture
def chatty(monkeypatch):
    monkeypatch.setattr(config.urls, "urlpatterns", config.urls.urlpatterns + [path("api/chatty", Chatty.as_view())])
    clear_url_caches()
    yield
    clear_url_caches()


@pytest.mark.django_db
def test_a_line_logged_while_serving_a_request_names_its_request_tenant_and_user(api, amy, acme, chatty, lines):
    response = api(amy, acme).get("/api/chatty")
    [line] = [line for line in lines() if line["logger"] == "voiceagents.test"]
    assert line["request_id"] == response["X-Request-ID"]
    assert (line["tenant"], line["user_id"], line["level"]) == ("t_acme", amy.pk, "INFO")
    assert line["message"] == "calling [phone …23] back, password=[redacted]"


@pytest.mark.django_db
def test_djangos_line_for_an_error_answer_names_the_request_too(api, amy, acme, lines):
    response = api(amy, acme).post("/api/settings/webhooks", {"url": "nope"}, format="json")
    [line] = [line for line in lines() if line["logger"] == "django.request"]
    assert (line["request_id"], line["tenant"], line["user_id"]) == (response["X-Request-ID"], "t_acme", amy.pk)


@pytest.mark.django_db
def test_a_traceback_is_logged_without_the_phone_number_in_it(api, amy, acme, chatty, lines):
    assert api(amy, acme).get("/api/chatty?explode=1").status_code == 500
    [line] = [line for line in lines() if "exception" in line]
    assert line["exception"].endswith("RuntimeError: could not dial [phone …23]")
    assert "5550123" not in json.dumps(lines())


def test_lines_of_a_call_name_it(lines):
    with bound(call_id=42, tenant="t_acme"):
        log.warning("caller went silent")
    log.warning("after the call")
    during, after = lines()
    assert (during["call_id"], during["tenant"]) == (42, "t_acme")
    assert "call_id" not in after


@pytest.mark.django_db
def test_a_line_logged_in_a_tenants_task_names_the_tenant(acme, lines):
    with tenant_context(acme):
        log.info("analysing")
    assert lines()[0]["tenant"] == "t_acme"


@pytest.mark.parametrize(
    ("logged", "shown"),
    [
        ("to +1 (415) 555-0123", "to [phone …23]"),
        ("to 415.555.0123 and 4155550199", "to [phone …23] and [phone …99]"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "Authorization: [redacted]"),
        ("key vk_3f9a8b7c6d5e4f3a2b1c, secret whsec_AbCdEf123456", "key vk_[redacted], secret whsec_[redacted]"),
        ('{"api_key": "sk-proj-abcdefghijklmnop1234"}', '{"api_key": "[redacted]"}'),
        ("auth_token=0123456789abcdef0123456789abcdef&x=1", "auth_token=[redacted]&x=1"),
    ],
)
def test_numbers_and_secrets_are_masked_in_every_line(lines, logged, shown):
    log.warning(logged)
    assert lines()[0]["message"] == shown


def test_ids_dates_and_durations_are_left_as_they_are(lines):
    message = "call 1234 at 2026-12-07T05:00:00Z took 42.5 s, request 1f2e3d4c5b6a79881f2e3d4c5b6a7988"
    log.warning(message)
    assert lines()[0]["message"] == message


def test_plain_text_lines_are_masked_the_same_way():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "texting %s", (NUMBER,), None)
    assert TextFormatter("%(message)s").format(record) == "texting [phone …23]"


@pytest.mark.slow
@pytest.mark.usefixtures("committed_db")
async def test_a_media_streams_lines_name_its_tenant_and_call(lines):
    call = await live_call()
    path = f"/ws/twilio/media/{call['tenant']}/"
    async with channels_transport(application, path=path, auth_token=AUTH_TOKEN) as transport:
        await simulate(
            transport,
            [WaitForAgent(), Do(lambda: transport.send("not json")), HangUp()],
            call_id=call["id"],
            tenant=call["tenant"],
            call_sid=call["sid"],
        )
    [line] = [line for line in lines() if line["message"] == "media stream: ignored a malformed message"]
    assert (line["tenant"], line["call_id"]) == ("t_acme", call["id"])
