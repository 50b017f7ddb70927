"""Recordings (streamed from Twilio to authorised users), share links (signed, expiring, revocable),
calls ingested from external voice bots, and training feedback applied to agents."""

from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.tests.factories import AgentFactory
from calls.models import Call, ShareLink
from calls.services.review import SHARE_SALT
from calls.tests.factories import (
    API_PREFIX,
    CallFactory,
    CallTurnFactory,
    TwilioAccountFactory,
    twilio_api,
)
from tenants.services import set_status

pytestmark = pytest.mark.django_db
__all__ = ["twilio_api"]

CALLS = "/api/calls"
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 256


@pytest.fixture
def recorded_call(acme):
    with tenant_context(acme):
        TwilioAccountFactory()
        sid = "RE" + "a" * 32
        return CallFactory(recording_sid=sid, recording_url=f"https://api.twilio.com{API_PREFIX}/Recordings/{sid}")


@pytest.fixture
def conversation(acme):
    with tenant_context(acme):
        agent = AgentFactory()
        call = CallFactory(agent=agent, summary="Asked about parking.")
        CallTurnFactory(call=call, index=0, speaker="agent", text="Hello, Acme Dental.")
        CallTurnFactory(call=call, index=1, speaker="caller", text="Is there parking?")
        CallTurnFactory(call=call, index=2, speaker="agent", text="I don't know.")
        return call


# Recordings ---------------------------------------------------------------------------------


def test_a_twilio_recording_is_streamed_with_the_tenants_credentials(api, mike, acme, recorded_call, twilio_api):
    path = f"{API_PREFIX}/Recordings/{recorded_call.recording_sid}.mp3"
    twilio_api.add("GET", path, body=MP3, headers={"Content-Type": "audio/mpeg"})
    response = api(mike, acme).get(f"{CALLS}/{recorded_call.pk}/recording")
    assert response.status_code == 200 and response["Content-Type"] == "audio/mpeg"
    assert b"".join(response.streaming_content) == MP3
    assert twilio_api.requests[0].headers["authorization"].startswith("Basic ")


def test_twilio_failing_to_deliver_the_recording_is_502(api, alice, acme, recorded_call, twilio_api):
    response = api(alice, acme).get(f"{CALLS}/{recorded_call.pk}/recording")
    assert response.status_code == 502


def test_an_external_recording_in_our_storage_is_a_redirect(api, alice, acme, settings):
    settings.RECORDING_STORAGE_HOSTS = ["recordings.example.com"]
    with tenant_context(acme):
        call = CallFactory(recording_url="https://recordings.example.com/rec/1.mp3")
    response = api(alice, acme).get(f"{CALLS}/{call.pk}/recording")
    assert (response.status_code, response["Location"]) == (302, "https://recordings.example.com/rec/1.mp3")


# What a tenant might log as a recording to make us (or its users' browsers) open an address of its choosing.
HOSTILE_RECORDING_URLS = [
    "http://169.254.169.254/latest/meta-data/iam/",
    "https://169.254.169.254/rec.mp3",
    "https://10.0.0.5/rec.mp3",
    "https://127.0.0.1/rec.mp3",
    "https://bot.example.com/rec/1.mp3",
    "https://api.twilio.com.evil.com/rec.mp3",
    "javascript:alert(document.cookie)",
    "https://api.twilio.com@evil.com/",
    "https://user:secret@api.twilio.com/2010-04-01/Recordings/RE1",
    "https://api.twilio.com\\@evil.com/",
    "http://api.twilio.com/2010-04-01/Recordings/RE1",
    "https://api.twilio.com:8443/2010-04-01/Recordings/RE1",
]


@pytest.mark.parametrize("url", HOSTILE_RECORDING_URLS)
def test_a_recording_stored_at_another_address_is_never_redirected_to(api, alice, acme, url):
    with tenant_context(acme):
        call = CallFactory(recording_url=url)
    response = api(alice, acme).get(f"{CALLS}/{call.pk}/recording")
    assert (response.status_code, response.get("Location")) == (404, None)


def test_a_twilio_recording_url_without_a_sid_is_a_redirect(api, alice, acme):
    url = f"https://api.dublin.ie1.twilio.com{API_PREFIX}/Recordings/RE{'b' * 32}.mp3"
    with tenant_context(acme):
        call = CallFactory(recording_url=url)
    response = api(alice, acme).get(f"{CALLS}/{call.pk}/recording")
    assert (response.status_code, response["Location"]) == (302, url)


def test_a_call_without_recording_is_404(api, alice, acme, conversation):
    assert api(alice, acme).get(f"{CALLS}/{conversation.pk}/recording").status_code == 404


def test_bob_and_strangers_cannot_hear_alices_recording(api, bob, globex, acme, recorded_call, twilio_api):
    assert api(bob, globex).get(f"{CALLS}/{recorded_call.pk}/recording").status_code == 404
    assert api(bob, acme).get(f"{CALLS}/{recorded_call.pk}/recording").status_code == 403
    assert api(None, acme).get(f"{CALLS}/{recorded_call.pk}/recording").status_code == 401
    assert twilio_api.requests == []


# Share links --------------------------------------------------------------------------------


def share(client, call, hours=24):
    return client.post(f"{CALLS}/{call.pk}/share", {"expires_in_hours": hours}, format="json")


def test_a_share_link_shows_the_conversation_to_anyone_holding_it(api, alice, acme, conversation, client):
    created = share(api(alice, acme), conversation).json()
    assert created["url"].endswith(f"/api/shared/calls/{created['token']}")
    body = client.get(f"/api/shared/calls/{created['token']}", HTTP_HOST="api.localhost").json()
    assert (body["id"], body["summary"], [t["text"] for t in body["turns"]][1]) == (
        conversation.pk,
        "Asked about parking.",
        "Is there parking?",
    )
    assert "notes" not in body and "feedback" not in body


def test_a_revoked_link_no_longer_works(api, alice, acme, conversation, client):
    created = share(api(alice, acme), conversation).json()
    assert api(alice, acme).delete(f"{CALLS}/{conversation.pk}/share/{created['id']}").status_code == 204
    assert client.get(f"/api/shared/calls/{created['token']}", HTTP_HOST="api.localhost").status_code == 404
    [listed] = api(alice, acme).get(f"{CALLS}/{conversation.pk}/share").json()["results"]
    assert listed["revoked_at"] is not None


def test_an_expired_link_no_longer_works(api, alice, acme, conversation, client):
    created = share(api(alice, acme), conversation).json()
    with tenant_context(acme):
        ShareLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(f"/api/shared/calls/{created['token']}", HTTP_HOST="api.localhost").status_code == 404


def test_a_forged_or_tampered_token_is_404(api, alice, acme, conversation, client):
    created = share(api(alice, acme), conversation).json()
    forged = signing.dumps({"t": "acme", "l": created["id"]}, key="not-our-secret", salt=SHARE_SALT)
    for token in (forged, created["token"][:-2] + "xx", "garbage"):
        assert client.get(f"/api/shared/calls/{token}", HTTP_HOST="api.localhost").status_code == 404


def test_a_link_of_a_suspended_tenant_no_longer_works(api, alice, acme, conversation, client):
    created = share(api(alice, acme), conversation).json()
    set_status(acme, "suspended")
    assert client.get(f"/api/shared/calls/{created['token']}", HTTP_HOST="api.localhost").status_code == 404


def test_a_bad_expiry_is_400_naming_it(api, alice, acme, conversation):
    response = share(api(alice, acme), conversation, hours=0)
    assert response.status_code == 400 and "expires_in_hours" in response.json()["errors"]


def test_members_and_bob_cannot_share_alices_call(api, mike, bob, acme, globex, conversation):
    assert share(api(mike, acme), conversation).status_code == 403
    assert share(api(bob, globex), conversation).status_code == 404
    with tenant_context(acme):
        assert not ShareLink.objects.exists()


# Calls from external voice bots -------------------------------------------------------------


LOGGED = {
    "external_id": "vapi-123",
    "direction": "inbound",
    "from_number": "+1 415 555 0123",
    "to_number": "+14155550100",
    "started_at": "2026-11-20T10:00:00Z",
    "ended_at": "2026-11-20T10:02:05Z",
    "sentiment": "positive",
    "recording_url": f"https://api.twilio.com{API_PREFIX}/Recordings/RE{'c' * 32}",
    "turns": [{"speaker": "agent", "text": "Hi!", "total_ms": 420}, {"speaker": "caller", "text": "Book me in"}],
}


def test_an_external_call_is_stored_like_ours_and_queued_for_analysis(
    api, alice, acme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = api(alice, acme).post(f"{CALLS}/log", LOGGED, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["external_id"], body["status"], body["duration_seconds"], body["from_number"], body["sentiment"]) == (
        "vapi-123",
        "completed",
        125,
        "+14155550123",
        "positive",
    )
    assert [(t["speaker"], t["text"], t["total_ms"]) for t in body["turns"]] == [
        ("agent", "Hi!", 420.0),
        ("caller", "Book me in", None),
    ]
    assert body["has_recording"] is True and len(callbacks) == 2  # its call.finished event and its analysis
    assert body["id"] in [c["id"] for c in api(alice, acme).get(CALLS).json()["results"]]


@pytest.mark.parametrize("url", HOSTILE_RECORDING_URLS)
def test_an_external_call_with_a_recording_elsewhere_is_400_naming_it(api, alice, acme, url):
    response = api(alice, acme).post(f"{CALLS}/log", {**LOGGED, "recording_url": url}, format="json")
    assert response.status_code == 400 and "recording_url" in response.json()["errors"]
    with tenant_context(acme):
        assert not Call.objects.exists()


def test_logging_the_same_external_call_twice_stores_it_once(api, alice, acme):
    first = api(alice, acme).post(f"{CALLS}/log", LOGGED, format="json")
    second = api(alice, acme).post(f"{CALLS}/log", LOGGED, format="json")
    assert (first.status_code, second.status_code, first.json()["id"]) == (201, 200, second.json()["id"])
    with tenant_context(acme):
        assert Call.objects.filter(external_id="vapi-123").count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"from_number": "12"}, "from_number"),
        ({"ended_at": "2026-11-20T09:00:00Z"}, "ended_at"),
        ({"direction": "sandbox"}, "direction"),
        ({"turns": [{"speaker": "robot", "text": "x"}]}, "turns.0.speaker"),
        ({"external_id": ""}, "external_id"),
    ],
)
def test_a_bad_external_call_is_400_naming_the_field(api, alice, acme, change, field):
    response = api(alice, acme).post(f"{CALLS}/log", {**LOGGED, **change}, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]
    with tenant_context(acme):
        assert not Call.objects.exists()


# Training feedback --------------------------------------------------------------------------


def correct(client, call):
    return client.post(
        f"{CALLS}/{call.pk}/feedback",
        {"rating": 2, "corrections": [{"turn": 2, "suggested": "Yes, free parking is behind the building."}]},
        format="json",
    ).json()["corrections"][0]


def test_an_applied_correction_becomes_an_example_of_the_agent(api, alice, acme, conversation):
    correction = correct(api(alice, acme), conversation)
    listed = api(alice, acme).get("/api/training/feedback?applied=false").json()["results"]
    assert [c["id"] for c in listed] == [correction["id"]]
    applied = api(alice, acme).put(f"/api/training/feedback/{correction['id']}/apply")
    assert applied.status_code == 200 and applied.json()["applied_at"]
    examples = api(alice, acme).get(f"/api/agents/{conversation.agent_id}/training-examples").json()["results"]
    assert examples == [{"caller": "Is there parking?", "reply": "Yes, free parking is behind the building."}]


def test_a_withdrawn_correction_is_no_longer_an_example(api, alice, acme, conversation):
    correction = correct(api(alice, acme), conversation)
    api(alice, acme).put(f"/api/training/feedback/{correction['id']}/apply")
    api(alice, acme).delete(f"/api/training/feedback/{correction['id']}/apply")
    assert api(alice, acme).get(f"/api/agents/{conversation.agent_id}/training-examples").json()["results"] == []


def test_training_feedback_is_filtered_by_agent(api, alice, acme, conversation):
    correct(api(alice, acme), conversation)
    assert api(alice, acme).get(f"/api/training/feedback?agent={conversation.agent_id + 1}").json()["results"] == []
    assert len(api(alice, acme).get(f"/api/training/feedback?agent={conversation.agent_id}").json()["results"]) == 1


def test_members_cannot_apply_and_bob_cannot_see_alices_training_feedback(api, mike, bob, acme, globex, conversation):
    correction = correct(api(mike, acme), conversation)
    assert api(mike, acme).put(f"/api/training/feedback/{correction['id']}/apply").status_code == 403
    assert api(bob, globex).get("/api/training/feedback").json()["results"] == []
    assert api(bob, globex).put(f"/api/training/feedback/{correction['id']}/apply").status_code == 404
