"""Calls: the list with the API's filters and transcript search, the detail with its transcript, and notes."""

import re
from datetime import timedelta

import pytest
from django.contrib.postgres.search import SearchVector
from django.utils import timezone
from django_tenants.utils import tenant_context

from calls.models import Call, CallNote, CallTurn, TurnCorrection
from calls.tests.factories import API_PREFIX, CallFactory
from calls.tests.test_api_call_extras import MP3
from dashboard.tests.factories import recorded_call

pytestmark = pytest.mark.django_db


def rows(response):
    return re.findall(r'<a href="/calls/(\d+)">', response.content.decode())


@pytest.fixture
def acme_calls(acme):
    with tenant_context(acme):
        answered = CallFactory(started_at=timezone.now(), duration_seconds=42, from_number="+14155550111")
        missed = CallFactory(status=Call.Status.NO_ANSWER, from_number="+14155550222")
        CallTurn.objects.create(call=answered, index=0, speaker="caller", text="I need a root canal", total_ms=850)
        CallTurn.objects.create(call=answered, index=1, speaker="agent", text="Let me find a slot", node_id="ask")
        # As post-call analysis indexes it (calls.services.postcall).
        Call.objects.filter(pk=answered.pk).update(transcript="I need a root canal. Let me find a slot.")
        Call.objects.filter(pk=answered.pk).update(search_vector=SearchVector("transcript", config="english"))
        return answered, missed


def test_a_member_lists_the_calls_newest_first(browser, mike, acme, acme_calls):
    answered, missed = acme_calls
    assert rows(browser(mike, acme).get("/calls")) == [str(missed.pk), str(answered.pk)]


def test_calls_filter_by_status(browser, mike, acme, acme_calls):
    answered, _ = acme_calls
    assert rows(browser(mike, acme).get("/calls?status=completed")) == [str(answered.pk)]


def test_calls_are_found_by_words_of_their_transcript(browser, mike, acme, acme_calls):
    answered, _ = acme_calls
    assert rows(browser(mike, acme).get("/calls?q=canal")) == [str(answered.pk)]


def test_a_bad_filter_is_named_beside_its_field(browser, mike, acme, acme_calls):
    response = browser(mike, acme).get("/calls?status=exploded&date_from=2026-02-30")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_date_from_errors"' in page and "Date has wrong format" in page
    assert rows(response) == []


def test_the_list_paginates_and_keeps_the_filters(browser, alice, acme):
    with tenant_context(acme):
        CallFactory.create_batch(26, status=Call.Status.COMPLETED)
    page = browser(alice, acme).get("/calls?status=completed").content.decode()
    assert "Page 1 of 2" in page and 'href="?status=completed&page=2"' in page


def test_the_detail_shows_the_transcript_with_timings(browser, mike, acme, acme_calls):
    answered, _ = acme_calls
    page = browser(mike, acme).get(f"/calls/{answered.pk}").content.decode()
    assert "I need a root canal" in page and "850 ms" in page and "Let me find a slot" in page


def test_a_member_adds_a_note(browser, mike, acme, acme_calls):
    answered, _ = acme_calls
    response = browser(mike, acme).post(f"/calls/{answered.pk}", {"text": "Call back on Monday"}, follow=True)
    assert "Call back on Monday" in response.content.decode()
    with tenant_context(acme):
        assert CallNote.objects.get(call=answered).author_label == "mike@example.com"


def test_an_empty_note_is_named(browser, mike, acme, acme_calls):
    answered, _ = acme_calls
    response = browser(mike, acme).post(f"/calls/{answered.pk}", {"text": ""})
    assert response.status_code == 400 and 'id="id_text_errors"' in response.content.decode()


def test_a_call_of_another_tenant_is_not_found(browser, bob, globex, acme_calls):
    answered, _ = acme_calls
    assert browser(bob, globex).get(f"/calls/{answered.pk}").status_code == 404
    assert rows(browser(bob, globex).get("/calls")) == []


def test_sandbox_conversations_are_not_listed(browser, mike, acme):
    with tenant_context(acme):
        CallFactory(is_test=True, created_at=timezone.now() - timedelta(minutes=1))
    assert rows(browser(mike, acme).get("/calls")) == []


# Recording, transcript that follows it, corrections ------------------------------------------------------------------


@pytest.fixture
def recorded(acme):
    """A finished call with its Twilio recording, a caller turn 2 s in and the agent's answer 5 s in."""
    with tenant_context(acme):
        return recorded_call("RE" + "a" * 32, [("caller", "Is there parking?", 2), ("agent", "No.", 5)])


def test_the_detail_plays_the_recording_through_the_dashboard(browser, mike, acme, recorded):
    page = browser(mike, acme).get(f"/calls/{recorded.pk}").content.decode()
    assert f'src="/calls/{recorded.pk}/recording" data-follow="call-transcript"' in page


def test_each_turn_carries_its_moment_in_the_recording(browser, mike, acme, recorded):
    page = browser(mike, acme).get(f"/calls/{recorded.pk}").content.decode()
    assert re.findall(r'id="turn-(\d)" data-at="([\d.]+)"', page) == [("0", "2.00"), ("1", "5.00")]


def test_the_recording_streams_from_twilio_for_a_member_with_a_session(browser, mike, acme, recorded, twilio_api):
    twilio_api.add(
        "GET", f"{API_PREFIX}/Recordings/{recorded.recording_sid}.mp3", body=MP3, headers={"Content-Type": "audio/mpeg"}
    )
    response = browser(mike, acme).get(f"/calls/{recorded.pk}/recording")
    assert response.status_code == 200 and response["Content-Type"] == "audio/mpeg"
    assert b"".join(response.streaming_content) == MP3


def test_the_recording_is_not_given_to_a_visitor_or_to_another_tenant(browser, bob, acme, globex, recorded):
    assert browser(None, acme).get(f"/calls/{recorded.pk}/recording").status_code in (401, 403)
    assert browser(bob, acme).get(f"/calls/{recorded.pk}/recording").status_code == 403
    assert browser(bob, globex).get(f"/calls/{recorded.pk}/recording").status_code == 404


def test_a_member_corrects_an_agent_reply(browser, mike, acme, recorded):
    client = browser(mike, acme)
    response = client.post(f"/calls/{recorded.pk}/corrections", {"turn": "1", "suggested": "Yes, behind the clinic."})
    assert response.status_code == 302 and response["Location"] == f"/calls/{recorded.pk}#turn-1"
    with tenant_context(acme):
        correction = TurnCorrection.objects.get()
    assert (correction.original, correction.caller_text, correction.suggested) == (
        "No.",
        "Is there parking?",
        "Yes, behind the clinic.",
    )
    assert (
        "<strong>Should have said:</strong> Yes, behind the clinic."
        in client.get(f"/calls/{recorded.pk}").content.decode()
    )


def test_an_empty_correction_is_named_beside_its_turn(browser, mike, acme, recorded):
    response = browser(mike, acme).post(f"/calls/{recorded.pk}/corrections", {"turn": "1", "suggested": ""})
    assert response.status_code == 400
    assert 'id="suggested-1-errors"' in response.content.decode()
    with tenant_context(acme):
        assert not TurnCorrection.objects.exists()


def test_the_callers_words_cannot_be_corrected(browser, mike, acme, recorded):
    response = browser(mike, acme).post(f"/calls/{recorded.pk}/corrections", {"turn": "0", "suggested": "Hi"})
    assert response.status_code == 400
    assert "Corrections apply to the agent&#x27;s turns of this call." in response.content.decode()


def test_an_admin_makes_a_correction_a_training_example(browser, mike, amy, acme, recorded):
    browser(mike, acme).post(f"/calls/{recorded.pk}/corrections", {"turn": "1", "suggested": "Yes."})
    with tenant_context(acme):
        correction = TurnCorrection.objects.get()
    assert "Use as a training example" not in browser(mike, acme).get(f"/calls/{recorded.pk}").content.decode()
    assert browser(mike, acme).post(f"/calls/corrections/{correction.pk}/apply").status_code == 403
    response = browser(amy, acme).post(f"/calls/corrections/{correction.pk}/apply", follow=True)
    assert "The correction is now a training example of Reception." in response.content.decode()
    with tenant_context(acme):
        correction.refresh_from_db()
    assert correction.applied_at is not None


# Live calls -----------------------------------------------------------------------------------------------------------


def live_ids(response):
    return re.findall(r'data-live-call="(\d+)"', response.content.decode())


def test_the_live_page_shows_the_calls_going_on_now(browser, mike, acme, acme_calls):
    with tenant_context(acme):
        ringing = CallFactory(status=Call.Status.RINGING)
        talking = CallFactory(status=Call.Status.IN_PROGRESS, started_at=timezone.now())
    assert live_ids(browser(mike, acme).get("/calls/live")) == [str(talking.pk), str(ringing.pk)]


def test_the_live_page_follows_the_calls_over_their_sockets(browser, mike, acme):
    page = browser(mike, acme).get("/calls/live").content.decode()
    assert '<script src="/static/dashboard/live_calls.js" defer></script>' in page
    assert 'data-token-url="/socket-token"' in page and "No call is live right now" in page
    assert 'data-live-call="" aria-labelledby="live-new-title"' in page  # the <template> of a call that starts


def test_a_member_follows_live_calls_without_the_staff_controls(browser, mike, amy, acme):
    with tenant_context(acme):
        CallFactory(status=Call.Status.IN_PROGRESS, started_at=timezone.now())
    assert 'data-control="hold"' not in browser(mike, acme).get("/calls/live").content.decode()
    assert 'data-control="hold"' in browser(amy, acme).get("/calls/live").content.decode()


def test_another_tenants_live_calls_are_not_shown(browser, bob, globex, acme):
    with tenant_context(acme):
        CallFactory(status=Call.Status.IN_PROGRESS, started_at=timezone.now())
    assert live_ids(browser(bob, globex).get("/calls/live")) == []
