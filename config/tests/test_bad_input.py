"""Bad input gets a 4xx naming the problem, never a 5xx: bodies too large, malformed or hostile JSON, strings the
database cannot store, deletes of what is still in use, and what the database refuses that a serializer let by."""

import json

import pytest
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError
from django.test import override_settings
from django.urls import clear_url_caches, path
from django_tenants.utils import tenant_context
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

import config.urls
from agents.models import Agent
from agents.tests.factories import AgentFactory
from campaigns.tests.factories import CampaignFactory
from config.middleware import RequestBodyLimit
from contacts.models import ContactList
from contacts.tests.factories import ContactListFactory

pytestmark = pytest.mark.django_db
LOGIN = "/api/auth/login"
MiB = 1024 * 1024


def post_json(client, url, raw: str | bytes):
    return client.generic("POST", url, raw, content_type="application/json")


def assert_error(response, status, error_code):
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert body["error_code"] == error_code
    assert set(body) == {"detail", "error_code", "errors", "request_id"}
    return body


# Bodies too large


def test_a_json_body_over_5_mib_is_413_without_logging_in(api):
    body = json.dumps({"email": "a@example.com", "password": "x" * (5 * MiB)})
    assert_error(post_json(api(), LOGIN, body), 413, "request_too_large")


def test_a_json_body_over_5_mib_is_413_for_a_member_too(api, alice, acme):
    body = json.dumps({"name": "x" * (5 * MiB)})
    assert_error(post_json(api(alice, acme), "/api/agents", body), 413, "request_too_large")


def test_a_multipart_upload_may_be_larger_than_a_json_body(api, alice, acme):
    upload = b"name,phone\n" + b"Ann,+14155550100\n" * (6 * MiB // 17)
    response = api(alice, acme).generic(
        "POST",
        "/api/contacts/import",
        b"--b\r\nContent-Disposition: form-data; name=file; filename=a.csv\r\nContent-Type: text/csv\r\n\r\n"
        + upload
        + b"\r\n--b--\r\n",
        content_type="multipart/form-data; boundary=b",
    )
    assert response.status_code != 413 and response.status_code < 500


def test_a_multipart_body_with_too_many_fields_is_400(api, alice, acme):
    fields = b"".join(b"--b\r\nContent-Disposition: form-data; name=f%d\r\n\r\nx\r\n" % n for n in range(1100))
    response = api(alice, acme).generic(
        "POST", "/api/contacts/import", fields + b"--b--\r\n", content_type="multipart/form-data; boundary=b"
    )
    assert_error(response, 400, "malformed_request")


async def asgi_post(body_chunks, headers):
    """A request through `RequestBodyLimit` to an app that echoes the body and Content-Length it was given."""
    seen = {}

    async def app(scope, receive, send):
        message = await receive()
        seen["body"] = message["body"]
        seen["content_length"] = dict(scope["headers"]).get(b"content-length")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    messages = [
        {"type": "http.request", "body": chunk, "more_body": index < len(body_chunks) - 1}
        for index, chunk in enumerate(body_chunks)
    ]
    sent = []

    async def receive():
        return messages.pop(0)

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/auth/login", "headers": headers}
    await RequestBodyLimit(app)(scope, receive, send)
    return sent[0]["status"], sent, seen


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
async def test_a_chunked_body_without_content_length_over_the_limit_is_413():
    status, sent, seen = await asgi_post([b"x" * 600, b"x" * 600], [(b"content-type", b"application/json")])
    assert status == 413 and seen == {}
    assert json.loads(sent[1]["body"])["error_code"] == "request_too_large"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
async def test_a_chunked_body_within_the_limit_reaches_django_with_its_length():
    status, _, seen = await asgi_post([b'{"a": ', b"1}"], [(b"content-type", b"application/json")])
    assert status == 200
    assert seen == {"body": b'{"a": 1}', "content_length": b"8"}


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
async def test_a_declared_length_over_the_limit_is_413_before_the_body_is_read():
    headers = [(b"content-type", b"application/json"), (b"content-length", b"5000")]
    status, _, seen = await asgi_post([b"x" * 5000], headers)
    assert status == 413 and seen == {}


# Malformed and hostile JSON


def test_json_nested_10000_deep_is_400(api):
    body = assert_error(post_json(api(), LOGIN, "[" * 10000 + "]" * 10000), 400, "malformed_request")
    assert "nested deeper" in body["detail"]


def test_json_nested_beyond_the_depth_limit_is_400_even_where_python_would_parse_it(api):
    assert_error(post_json(api(), LOGIN, '{"a":' * 100 + "1" + "}" * 100), 400, "malformed_request")


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"email": "a@example.com", "password": NaN}', id="NaN"),
        pytest.param(b'{"email": "a@example.com", "password": Infinity}', id="Infinity"),
        pytest.param(b'{"email": "a@example.com", "password": 1e999}', id="a number too large for a float"),
        pytest.param(b'{"email": "a@example.com", "password": ' + b"9" * 5000 + b"}", id="an integer of 5000 digits"),
        pytest.param(b'{"email": "a@example.com", "email": "b@example.com"}', id="a key given twice"),
        pytest.param(b'{"email": "\xff\xfe"}', id="bytes that are not UTF-8"),
        pytest.param(b'{"email": ', id="truncated"),
    ],
)
def test_malformed_json_is_400(api, raw):
    assert_error(post_json(api(), LOGIN, raw), 400, "malformed_request")


def test_a_null_byte_in_a_string_is_400_naming_the_field(api, alice, acme):
    body = assert_error(post_json(api(alice, acme), "/api/agents", '{"name": "Mia\\u0000"}'), 400, "malformed_request")
    assert "NUL" in body["errors"]["name"][0]


def test_a_null_byte_deep_in_a_document_is_400_naming_its_path(api, alice, acme):
    raw = json.dumps({"name": "Mia", "business_hours": {"mon": ["09:00\x00"]}})
    body = assert_error(post_json(api(alice, acme), "/api/agents", raw), 400, "malformed_request")
    assert list(body["errors"]) == ["business_hours.mon.0"]


def test_a_lone_surrogate_is_400_naming_the_field(api, alice, acme):
    body = assert_error(post_json(api(alice, acme), "/api/agents", '{"name": "\\ud800"}'), 400, "malformed_request")
    assert list(body["errors"]) == ["name"]


def test_a_null_byte_in_the_tenant_header_is_400_naming_it(api, alice):
    response = api(alice, headers={"X-Tenant": "acme\x00"}).get("/api/agents")
    body = assert_error(response, 400, "malformed_request")
    assert list(body["errors"]) == ["X-Tenant"]


def test_a_null_byte_in_the_query_string_is_400(api, alice, acme):
    assert_error(api(alice, acme).get("/api/contacts?search=a%00b"), 400, "malformed_request")


def test_a_body_of_another_content_type_is_415(api, alice, acme):
    response = api(alice, acme).generic("POST", "/api/agents", b"name=Mia", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("agent_id", ["abc", "1.5", "-1", "99999999999999999999999"])
def test_an_id_of_the_wrong_type_or_unknown_is_404(api, alice, acme, agent_id):
    assert_error(api(alice, acme).get(f"/api/agents/{agent_id}"), 404, "not_found")


# Deletes of what is still in use


def test_deleting_an_agent_a_campaign_uses_is_409_naming_the_campaign(api, alice, acme):
    with tenant_context(acme):
        agent = AgentFactory()
        CampaignFactory(agent=agent, name="Spring recall", contact_list=ContactListFactory())
    body = assert_error(api(alice, acme).delete(f"/api/agents/{agent.id}"), 409, "agent_in_use")
    assert body["detail"] == "Agent is used by campaign(s): Spring recall."
    with tenant_context(acme):
        assert Agent.objects.filter(pk=agent.pk).exists()


def test_deleting_a_contact_list_a_campaign_calls_is_409_naming_the_campaign(api, alice, acme):
    with tenant_context(acme):
        contact_list = ContactListFactory()
        CampaignFactory(agent=AgentFactory(), name="Spring recall", contact_list=contact_list)
    body = assert_error(api(alice, acme).delete(f"/api/contact-lists/{contact_list.id}"), 409, "contact_list_in_use")
    assert body["detail"] == "Contact list is used by campaign(s): Spring recall."
    with tenant_context(acme):
        assert ContactList.objects.filter(pk=contact_list.pk).exists()


# What the database refuses, where no service checked first


class Refused(APIView):
    permission_classes = [AllowAny]
    error = None

    def get(self, request):
        raise self.error


@pytest.fixture
def raising(monkeypatch):
    def make(error):
        view = type("RefusedView", (Refused,), {"error": error}).as_view()
        monkeypatch.setattr(config.urls, "urlpatterns", config.urls.urlpatterns + [path("api/refused", view)])
        clear_url_caches()

    yield make
    clear_url_caches()


def test_a_value_the_database_refuses_is_400(api, raising):
    raising(DataError("value too long for type character varying(64)"))
    assert_error(api().get("/api/refused"), 400, "invalid_value")


def test_a_delete_no_service_checked_is_409_naming_what_is_in_the_way(api, acme, raising):
    with tenant_context(acme):
        campaign = CampaignFactory(agent=AgentFactory(), name="Spring recall", contact_list=ContactListFactory())
    raising(ProtectedError("protected", {campaign}))
    body = assert_error(api().get("/api/refused"), 409, "in_use")
    assert body["detail"] == "Still in use by Spring recall."


def test_a_row_conflicting_with_another_is_409(api, raising):
    raising(IntegrityError("duplicate key value violates unique constraint"))
    assert_error(api().get("/api/refused"), 409, "conflict")
