"""The webhook endpoints over the API (owners and admins only): a secret shown once, event types from the closed
list, public URLs only, the delivery log and manual redelivery."""

import base64
import json

import pytest
from django_tenants.utils import tenant_context

from config.celery import app, queue_key
from config.events import EVENT_TYPES
from config.redis import get_redis
from webhooks.models import Attempt, Delivery, Endpoint
from webhooks.services import deliveries

URL = "https://crm.example.com/hooks"
BASE = "/api/settings/webhooks"


def create(client, **fields):
    return client.post(BASE, {"url": URL, "event_types": ["call.finished"], **fields}, format="json")


@pytest.mark.django_db
def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(api, amy, acme):
    created = create(api(amy, acme), description="CRM")
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert (body["url"], body["event_types"], body["is_active"], body["description"]) == (
        URL,
        ["call.finished"],
        True,
        "CRM",
    )
    shown = api(amy, acme).get(f"{BASE}/{body['id']}").json()
    listed = api(amy, acme).get(BASE).json()["results"]
    assert "secret" not in shown and [e["id"] for e in listed] == [body["id"]] and "secret" not in listed[0]


@pytest.mark.django_db
def test_an_admin_changes_events_and_turns_an_endpoint_off(api, amy, acme):
    endpoint_id = create(api(amy, acme)).json()["id"]
    changed = api(amy, acme).patch(
        f"{BASE}/{endpoint_id}",
        {"event_types": ["appointment.booked", "call.started"], "is_active": False},
        format="json",
    )
    assert changed.status_code == 200
    assert (changed.json()["event_types"], changed.json()["is_active"], changed.json()["url"]) == (
        ["appointment.booked", "call.started"],
        False,
        URL,
    )


@pytest.mark.django_db
def test_an_admin_deletes_an_endpoint(api, amy, acme):
    endpoint_id = create(api(amy, acme)).json()["id"]
    assert api(amy, acme).delete(f"{BASE}/{endpoint_id}").status_code == 204
    assert api(amy, acme).get(f"{BASE}/{endpoint_id}").status_code == 404


@pytest.mark.django_db
def test_an_unknown_event_type_is_refused_naming_the_field(api, amy, acme):
    response = create(api(amy, acme), event_types=["call.exploded"])
    assert response.status_code == 400
    assert response.json()["errors"] == {"event_types.0": ['"call.exploded" is not a valid choice.']}


@pytest.mark.django_db
def test_no_event_type_is_refused(api, amy, acme):
    response = create(api(amy, acme), event_types=[])
    assert response.status_code == 400 and "event_types" in response.json()["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["http://10.0.0.5/hooks", "http://169.254.169.254/latest", "ftp://crm.example.com/x"])
def test_a_url_off_the_public_internet_is_refused_naming_the_field(api, amy, acme, settings, url):
    settings.OUTBOUND_PRIVATE_HOSTS = []
    response = create(api(amy, acme), url=url)
    assert response.status_code == 400 and "url" in response.json()["errors"]


@pytest.mark.django_db
def test_a_member_cannot_see_or_add_endpoints(api, mike, acme):
    assert api(mike, acme).get(BASE).status_code == 403
    assert create(api(mike, acme)).status_code == 403


@pytest.mark.django_db
def test_another_tenants_endpoint_is_not_found(api, amy, acme, bob, globex):
    endpoint_id = create(api(bob, globex)).json()["id"]
    assert api(amy, acme).get(f"{BASE}/{endpoint_id}").status_code == 404
    assert api(amy, acme).delete(f"{BASE}/{endpoint_id}").status_code == 404


@pytest.mark.django_db
def test_the_event_types_to_choose_from_are_the_closed_list(api, amy, acme):
    listed = api(amy, acme).get(f"{BASE}/event-types").json()
    assert [t["type"] for t in listed] == sorted(EVENT_TYPES)


def _failed_delivery(acme, endpoint_id):
    with tenant_context(acme):
        delivery = Delivery.objects.create(
            endpoint_id=endpoint_id,
            url=URL,
            event_id="evt-1",
            event_type="call.finished",
            payload={"id": "evt-1", "type": "call.finished", "data": {}},
            status=Delivery.Status.FAILED,
            attempts=1,
            retry_until="2026-01-01T00:00:00Z",
        )
        Attempt.objects.create(
            delivery=delivery,
            number=1,
            started_at="2026-01-01T00:00:00Z",
            url=URL,
            request_headers={"Webhook-Id": "evt-1"},
            response_status=502,
            response_body="bad gateway",
            latency_ms=120,
            error="HTTP 502",
        )
        return delivery


@pytest.mark.django_db
def test_the_delivery_log_shows_each_attempts_request_response_latency_and_error(api, amy, acme):
    endpoint_id = create(api(amy, acme)).json()["id"]
    delivery = _failed_delivery(acme, endpoint_id)
    [logged] = api(amy, acme).get(f"{BASE}/{endpoint_id}/deliveries").json()["results"]
    assert (logged["id"], logged["event_id"], logged["status"], logged["attempts"]) == (
        delivery.pk,
        "evt-1",
        "failed",
        1,
    )
    assert logged["attempt_log"] == [
        {
            "number": 1,
            "started_at": "2026-01-01T00:00:00Z",
            "url": URL,
            "request_headers": {"Webhook-Id": "evt-1"},
            "response_status": 502,
            "response_body": "bad gateway",
            "latency_ms": 120,
            "error": "HTTP 502",
        }
    ]


@pytest.mark.django_db
def test_a_failed_delivery_is_sent_again_on_request(api, amy, acme, django_capture_on_commit_callbacks):
    endpoint_id = create(api(amy, acme)).json()["id"]
    delivery = _failed_delivery(acme, endpoint_id)
    response = api(amy, acme).post(f"{BASE}/{endpoint_id}/deliveries/{delivery.pk}/redeliver")
    assert response.status_code == 202
    assert (response.json()["status"], response.json()["event_id"]) == ("pending", "evt-1")
    with tenant_context(acme):
        assert deliveries.claim(delivery.pk, now=Delivery.objects.get().next_attempt_at) is True


@pytest.mark.django_db
def test_a_delivery_being_sent_cannot_be_redelivered(api, amy, acme):
    endpoint_id = create(api(amy, acme)).json()["id"]
    delivery = _failed_delivery(acme, endpoint_id)
    with tenant_context(acme):
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.DELIVERING)
    response = api(amy, acme).post(f"{BASE}/{endpoint_id}/deliveries/{delivery.pk}/redeliver")
    assert (response.status_code, response.json()["error_code"]) == (409, "delivery_in_progress")


@pytest.mark.django_db
def test_a_delivery_of_another_endpoint_is_not_found(api, amy, acme):
    first = create(api(amy, acme)).json()["id"]
    second = create(api(amy, acme)).json()["id"]
    delivery = _failed_delivery(acme, first)
    assert api(amy, acme).post(f"{BASE}/{second}/deliveries/{delivery.pk}/redeliver").status_code == 404


@pytest.mark.django_db
def test_rotating_the_secret_shows_the_new_one_once(api, amy, acme):
    created = create(api(amy, acme)).json()
    rotated = api(amy, acme).post(f"{BASE}/{created['id']}/rotate-secret")
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_") and rotated.json()["secret"] != created["secret"]
    assert "secret" not in api(amy, acme).get(f"{BASE}/{created['id']}").json()


@pytest.mark.django_db
def test_turning_a_disabled_endpoint_back_on_sends_its_pending_deliveries(
    api, amy, acme, django_capture_on_commit_callbacks
):
    queue = queue_key(app.amqp.router.route({}, "webhooks.deliver")["queue"].name)
    get_redis().delete(queue)
    endpoint_id = create(api(amy, acme)).json()["id"]
    delivery = _failed_delivery(acme, endpoint_id)
    with tenant_context(acme):
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.PENDING)
        Endpoint.objects.filter(pk=endpoint_id).update(is_active=False, disabled_reason="failing")
    with django_capture_on_commit_callbacks(execute=True):
        response = api(amy, acme).patch(f"{BASE}/{endpoint_id}", {"is_active": True}, format="json")
    assert (response.json()["is_active"], response.json()["disabled_reason"]) == (True, "")
    queued = [json.loads(message) for message in get_redis().lrange(queue, 0, -1)]
    assert [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0]) for m in queued] == [
        ("webhooks.deliver", [delivery.pk])
    ]
