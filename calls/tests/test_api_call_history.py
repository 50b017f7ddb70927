"""GET /api/calls (filters, transcript search), /api/calls/{id} (turns with timings), notes, tags, feedback
with per-turn corrections, and /api/calls/stats/summary — each only inside the caller's tenant."""

from datetime import timedelta

import pytest
from django.contrib.postgres.search import SearchVector
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.tests.factories import AgentFactory
from calls.models import Call
from calls.tests.factories import CallFactory, CallTurnFactory

pytestmark = pytest.mark.django_db

CALLS = "/api/calls"


def with_transcript(call, *lines):
    """Turns alternating caller/agent, and the finalised, searchable transcript the analysis would store."""
    for index, text in enumerate(lines):
        CallTurnFactory(
            call=call,
            index=index,
            speaker="caller" if index % 2 == 0 else "agent",
            text=text,
            stt_ms=40.0 if index % 2 == 0 else None,
            total_ms=300.0,
        )
    Call.objects.filter(pk=call.pk).update(transcript="\n".join(lines))
    Call.objects.filter(pk=call.pk).update(search_vector=SearchVector("transcript", config="english"))
    return call


@pytest.fixture
def acme_calls(acme):
    with tenant_context(acme):
        agent, other = AgentFactory(name="Reception"), AgentFactory(name="Sales")
        return {
            "booked": with_transcript(
                CallFactory(
                    agent=agent,
                    sentiment="positive",
                    from_number="+14155550123",
                    duration_seconds=60,
                    started_at=timezone.now(),
                    success=True,
                ),
                "I would like to book a cleaning",
                "Sure, what day suits you?",
            ),
            "angry": with_transcript(
                CallFactory(
                    agent=agent,
                    sentiment="negative",
                    from_number="+14155550188",
                    duration_seconds=30,
                    started_at=timezone.now(),
                    success=False,
                ),
                "My invoice is wrong",
                "I am sorry to hear that.",
            ),
            "missed": CallFactory(
                agent=other,
                direction="outbound",
                status="no_answer",
                to_number="+12125550199",
                from_number="+14155550100",
            ),
            "sandbox": CallFactory(agent=agent, direction="sandbox", is_test=True, twilio_call_sid=None),
        }


def ids(response):
    return sorted(call["id"] for call in response.json()["results"])


def test_the_list_shows_real_calls_newest_first_without_sandbox_sessions(api, alice, acme, acme_calls):
    response = api(alice, acme).get(CALLS)
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [
        acme_calls["missed"].pk,
        acme_calls["angry"].pk,
        acme_calls["booked"].pk,
    ]
    assert response.json()["results"][0]["agent_name"] == "Sales"


def test_a_page_of_calls_is_read_in_the_same_queries_however_many_calls_it_holds(api, alice, acme, acme_calls):
    """No field the list shows is left unread by the list's query (each would be a query per call)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(alice, acme)
    client.get(CALLS)  # the first request of a minute also records the user's activity
    with CaptureQueriesContext(connection) as one:
        client.get(f"{CALLS}?per_page=1")
    with CaptureQueriesContext(connection) as three:
        client.get(f"{CALLS}?per_page=3")

    assert len(three) == len(one)


def test_sandbox_sessions_are_listed_on_request(api, alice, acme, acme_calls):
    assert acme_calls["sandbox"].pk in ids(api(alice, acme).get(f"{CALLS}?include_tests=true"))


@pytest.mark.parametrize(
    "query, expected",
    [
        ("status=no_answer", ["missed"]),
        ("direction=outbound", ["missed"]),
        ("sentiment=negative", ["angry"]),
        ("phone=415-555-0123", ["booked"]),
        ("phone=2125550199", ["missed"]),
        ("q=cleaning", ["booked"]),
        ("q=invoices", ["angry"]),
    ],
)
def test_calls_are_filtered(api, alice, acme, acme_calls, query, expected):
    assert ids(api(alice, acme).get(f"{CALLS}?{query}")) == sorted(acme_calls[name].pk for name in expected)


def test_calls_are_filtered_by_agent(api, alice, acme, acme_calls):
    agent_id = acme_calls["missed"].agent_id
    assert ids(api(alice, acme).get(f"{CALLS}?agent={agent_id}")) == [acme_calls["missed"].pk]


def test_calls_are_filtered_by_date_range_in_the_tenants_days(api, alice, acme, acme_calls):
    with tenant_context(acme):
        Call.objects.filter(pk=acme_calls["angry"].pk).update(created_at=timezone.now() - timedelta(days=10))
    today = timezone.localdate()
    assert acme_calls["angry"].pk not in ids(api(alice, acme).get(f"{CALLS}?date_from={today - timedelta(days=1)}"))
    old = ids(api(alice, acme).get(f"{CALLS}?date_to={today - timedelta(days=5)}"))
    assert old == [acme_calls["angry"].pk]


@pytest.mark.parametrize(
    "query, field",
    [
        ("status=exploded", "status"),
        ("date_from=yesterday", "date_from"),
        ("agent=abc", "agent"),
        ("sentiment=meh", "sentiment"),
        ("phone=x", "phone"),
        ("date_from=2026-02-01&date_to=2026-01-01", "date_to"),
    ],
)
def test_bad_filters_are_400_naming_the_field(api, alice, acme, query, field):
    response = api(alice, acme).get(f"{CALLS}?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_list_is_paginated(api, alice, acme, acme_calls):
    body = api(alice, acme).get(f"{CALLS}?per_page=2").json()
    assert (body["count"], len(body["results"]), body["next"] is not None) == (3, 2, True)


def test_the_detail_has_the_transcript_turns_with_timings(api, alice, acme, acme_calls):
    body = api(alice, acme).get(f"{CALLS}/{acme_calls['booked'].pk}").json()
    assert [(t["index"], t["speaker"], t["text"]) for t in body["turns"]] == [
        (0, "caller", "I would like to book a cleaning"),
        (1, "agent", "Sure, what day suits you?"),
    ]
    assert (body["turns"][0]["stt_ms"], body["turns"][0]["total_ms"]) == (40.0, 300.0)
    assert (body["has_recording"], body["notes"], body["feedback"]) == (False, [], [])


def test_an_unknown_call_is_404(api, alice, acme):
    assert api(alice, acme).get(f"{CALLS}/999999").status_code == 404


# Notes, tags, feedback ----------------------------------------------------------------------


def test_a_member_adds_a_note_signed_with_their_name(api, mike, acme, acme_calls):
    call = acme_calls["angry"]
    response = api(mike, acme).post(f"{CALLS}/{call.pk}/notes", {"text": "Refund issued."}, format="json")
    assert response.status_code == 201
    [note] = api(mike, acme).get(f"{CALLS}/{call.pk}/notes").json()["results"]
    assert (note["text"], note["author_label"], note["author_id"]) == ("Refund issued.", "mike@example.com", mike.pk)


def test_an_empty_note_is_400_naming_text(api, alice, acme, acme_calls):
    response = api(alice, acme).post(f"{CALLS}/{acme_calls['angry'].pk}/notes", {"text": ""}, format="json")
    assert response.status_code == 400 and "text" in response.json()["errors"]


def test_tags_replace_the_calls_tags_and_filter_the_list(api, alice, acme, acme_calls):
    call = acme_calls["angry"]
    response = api(alice, acme).put(
        f"{CALLS}/{call.pk}/tags", {"tags": ["Billing", "refund", "billing"]}, format="json"
    )
    assert response.json()["tags"] == ["billing", "refund"]
    assert ids(api(alice, acme).get(f"{CALLS}?tag=billing")) == [call.pk]


def test_a_bad_tag_is_400_naming_it(api, alice, acme, acme_calls):
    response = api(alice, acme).put(
        f"{CALLS}/{acme_calls['angry'].pk}/tags", {"tags": ["no spaces please"]}, format="json"
    )
    assert response.status_code == 400 and "tags.0" in response.json()["errors"]


def test_feedback_keeps_the_rating_and_the_corrected_agent_turn(api, alice, acme, acme_calls):
    call = acme_calls["angry"]
    response = api(alice, acme).post(
        f"{CALLS}/{call.pk}/feedback",
        {
            "rating": 2,
            "comment": "Should offer a refund.",
            "corrections": [{"turn": 1, "suggested": "I am sorry. I can refund the difference today."}],
        },
        format="json",
    )
    assert response.status_code == 201
    [correction] = response.json()["corrections"]
    assert (correction["turn"], correction["caller_text"], correction["original"], correction["suggested"]) == (
        1,
        "My invoice is wrong",
        "I am sorry to hear that.",
        "I am sorry. I can refund the difference today.",
    )
    assert api(alice, acme).get(f"{CALLS}/{call.pk}").json()["feedback"][0]["rating"] == 2


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"rating": 6}, "rating"),
        ({"corrections": [{"turn": 0, "suggested": "x"}]}, "corrections.0.turn"),
        ({"corrections": [{"turn": 9, "suggested": "x"}]}, "corrections.0.turn"),
        ({"corrections": [{"turn": 1}]}, "corrections.0.suggested"),
        ({}, "non_field_errors"),
    ],
)
def test_bad_feedback_is_400_naming_the_field_and_stores_nothing(api, alice, acme, acme_calls, payload, field):
    call = acme_calls["angry"]
    response = api(alice, acme).post(f"{CALLS}/{call.pk}/feedback", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert api(alice, acme).get(f"{CALLS}/{call.pk}").json()["feedback"] == []


# Stats and isolation ------------------------------------------------------------------------


def test_the_summary_counts_calls_by_status_direction_and_sentiment(api, alice, acme, acme_calls):
    stats = api(alice, acme).get(f"{CALLS}/stats/summary").json()
    assert stats["total"] == 3
    assert stats["by_status"] == {"completed": 2, "no_answer": 1}
    assert stats["by_direction"] == {"inbound": 2, "outbound": 1}
    assert stats["by_sentiment"] == {"positive": 1, "negative": 1}
    assert (stats["answered"], stats["success_rate"], stats["average_duration_seconds"]) == (2, 0.5, 45.0)
    assert stats["billable_minutes"] == 1.5


def test_the_summary_takes_the_same_filters(api, alice, acme, acme_calls):
    assert api(alice, acme).get(f"{CALLS}/stats/summary?direction=outbound").json()["total"] == 1


def test_bob_cannot_see_or_touch_alices_calls(api, bob, globex, acme, acme_calls):
    call = acme_calls["angry"]
    client = api(bob, globex)
    assert client.get(CALLS).json()["results"] == []
    assert client.get(f"{CALLS}/stats/summary").json()["total"] == 0
    assert client.get(f"{CALLS}/{call.pk}").status_code == 404
    assert client.get(f"{CALLS}/{call.pk}/notes").status_code == 404
    assert client.post(f"{CALLS}/{call.pk}/notes", {"text": "hi"}, format="json").status_code == 404
    assert client.put(f"{CALLS}/{call.pk}/tags", {"tags": ["x"]}, format="json").status_code == 404
    assert client.post(f"{CALLS}/{call.pk}/feedback", {"rating": 1}, format="json").status_code == 404
    assert api(bob, acme).get(CALLS).status_code == 403
    assert api(bob, acme).get(f"{CALLS}/{call.pk}").status_code == 403


def test_anonymous_requests_are_401(api, acme, acme_calls):
    assert api(None, acme).get(CALLS).status_code == 401
