"""Calls: the list with the API's filters and transcript search, the detail with its transcript, and notes."""

import re
from datetime import timedelta

import pytest
from django.contrib.postgres.search import SearchVector
from django.utils import timezone
from django_tenants.utils import tenant_context

from calls.models import Call, CallNote, CallTurn
from calls.tests.factories import CallFactory

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
