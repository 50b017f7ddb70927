"""The reaper: calls that never got their media or a final status end, and free the line they held."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.tests.factories import AgentFactory
from calls import selectors, tasks
from calls.models import Call
from calls.services.reaper import OVER_MAX_DURATION, SETUP_TIMEOUT, reap_stale_calls
from calls.tests.factories import CallFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_acme(acme):
    with tenant_context(acme):
        yield


def call_made(ago: timedelta, *, status=Call.Status.RINGING, started_ago=None, **fields) -> Call:
    call = CallFactory(status=status, **fields)
    now = timezone.now()
    Call.objects.filter(pk=call.pk).update(
        created_at=now - ago, started_at=None if started_ago is None else now - started_ago
    )
    call.refresh_from_db()
    return call


def test_a_call_ringing_past_the_set_up_deadline_fails_and_frees_its_line(in_acme, settings):
    settings.CALL_SETUP_TIMEOUT_SECONDS = 600
    call = call_made(timedelta(minutes=11))
    assert selectors.live_call_count() == 1

    assert reap_stale_calls() == 1

    call.refresh_from_db()
    assert (call.status, call.end_reason, call.ended_at is not None) == ("failed", SETUP_TIMEOUT, True)
    assert selectors.live_call_count() == 0


def test_a_queued_call_past_the_set_up_deadline_fails_too(in_acme, settings):
    settings.CALL_SETUP_TIMEOUT_SECONDS = 600
    call = call_made(timedelta(minutes=11), status=Call.Status.QUEUED, direction=Call.Direction.OUTBOUND)
    reap_stale_calls()
    call.refresh_from_db()
    assert call.status == "failed"


def test_a_call_still_ringing_within_the_deadline_is_left_alone(in_acme, settings):
    settings.CALL_SETUP_TIMEOUT_SECONDS = 600
    call = call_made(timedelta(minutes=9))
    assert reap_stale_calls() == 0
    call.refresh_from_db()
    assert call.status == "ringing" and selectors.live_call_count() == 1


def test_reaping_twice_ends_a_call_once(in_acme, settings):
    settings.CALL_SETUP_TIMEOUT_SECONDS = 600
    call = call_made(timedelta(minutes=11))
    assert reap_stale_calls() == 1
    ended_at = Call.objects.get(pk=call.pk).ended_at
    assert reap_stale_calls() == 0
    assert Call.objects.get(pk=call.pk).ended_at == ended_at


def test_a_call_in_progress_past_its_longest_length_ends_billed_at_that_length(in_acme, settings):
    settings.CALL_MAX_DURATION_SECONDS, settings.CALL_REAP_MARGIN_SECONDS = 1800, 120
    call = call_made(timedelta(hours=3), status=Call.Status.IN_PROGRESS, started_ago=timedelta(hours=3))
    assert reap_stale_calls() == 1
    call.refresh_from_db()
    assert (call.status, call.end_reason, call.duration_seconds) == ("failed", OVER_MAX_DURATION, 1800)


def test_a_call_in_progress_within_its_length_plus_margin_is_left_alone(in_acme, settings):
    settings.CALL_MAX_DURATION_SECONDS, settings.CALL_REAP_MARGIN_SECONDS = 1800, 120
    call_made(timedelta(minutes=31), status=Call.Status.IN_PROGRESS, started_ago=timedelta(minutes=31))
    assert reap_stale_calls() == 0


def test_an_agent_allowed_longer_calls_keeps_its_call(in_acme, settings):
    settings.CALL_MAX_DURATION_SECONDS, settings.CALL_REAP_MARGIN_SECONDS = 1800, 120
    agent = AgentFactory(max_call_seconds=3 * 3600)
    call_made(timedelta(hours=2), status=Call.Status.IN_PROGRESS, started_ago=timedelta(hours=2), agent=agent)
    assert reap_stale_calls() == 0


def test_sandbox_conversations_are_not_reaped(in_acme, settings):
    settings.CALL_MAX_DURATION_SECONDS = 60
    call = call_made(
        timedelta(hours=1),
        status=Call.Status.IN_PROGRESS,
        started_ago=timedelta(hours=1),
        direction=Call.Direction.SANDBOX,
        is_test=True,
    )
    assert reap_stale_calls() == 0
    call.refresh_from_db()
    assert call.status == "in_progress"


def test_the_beat_task_reaps_in_the_tenant_it_runs_in(acme, globex, settings):
    settings.CALL_SETUP_TIMEOUT_SECONDS = 600
    with tenant_context(acme):
        call_made(timedelta(minutes=11))
    with tenant_context(globex):
        call_made(timedelta(minutes=11))
        assert tasks.reap_stale_calls() == {"schema": globex.schema_name, "reaped": 1}
    with tenant_context(acme):
        assert selectors.live_call_count() == 1
