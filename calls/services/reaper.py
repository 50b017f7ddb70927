"""Ending calls that will never end by themselves, so they stop holding one of the tenant's lines.

A call is live (and counts against the plan's lines) until a status callback or its media stream ends it.
When neither ever comes (a simulated call refused at the WebSocket upgrade, a lost callback, a worker that
died mid-call), it would stay live forever. Beat runs `reap_stale_calls` in every tenant: a call still queued
or ringing `CALL_SETUP_TIMEOUT_SECONDS` after it was created, or in progress for longer than its agent's
longest call (`CALL_MAX_DURATION_SECONDS` by default) plus `CALL_REAP_MARGIN_SECONDS`, is marked failed.
A later status callback still records Twilio's duration (`apply_status` keeps it on finished calls).
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import DurationField, ExpressionWrapper, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from calls.models import Call
from calls.selectors import LIVE_STATUSES
from calls.services.lifecycle import finish_call

SETUP_TIMEOUT = "setup_timeout"
OVER_MAX_DURATION = "over_max_duration"


def stale_calls(now=None):
    """Live calls past their deadline: (call, end_reason) pairs."""
    now = now or timezone.now()
    longest = ExpressionWrapper(
        Coalesce(F("agent__max_call_seconds"), Value(settings.CALL_MAX_DURATION_SECONDS)) * Value(timedelta(seconds=1)),
        output_field=DurationField(),
    )
    margin = timedelta(seconds=settings.CALL_REAP_MARGIN_SECONDS)
    live = (
        Call.objects.filter(is_test=False, status__in=LIVE_STATUSES)
        .exclude(direction=Call.Direction.SANDBOX)
        .alias(talk_deadline=F("started_at") + longest + margin)
    )
    setting_up = Q(status__in=(Call.Status.QUEUED, Call.Status.RINGING)) & Q(
        created_at__lt=now - timedelta(seconds=settings.CALL_SETUP_TIMEOUT_SECONDS)
    )
    talking_too_long = Q(status=Call.Status.IN_PROGRESS, talk_deadline__lt=now)
    for call in live.filter(setting_up | talking_too_long).order_by("id"):
        yield call, OVER_MAX_DURATION if call.status == Call.Status.IN_PROGRESS else SETUP_TIMEOUT


def reap_stale_calls(now=None) -> int:
    """Marks the current tenant's stale calls failed; how many. Idempotent: a call ends once."""
    reaped = 0
    for call, reason in list(stale_calls(now)):
        duration = None
        if call.started_at:
            # Billed at most its allowed length, not the time nobody noticed it.
            allowed = (call.agent.max_call_seconds if call.agent else None) or settings.CALL_MAX_DURATION_SECONDS
            duration = min(allowed, round(((now or timezone.now()) - call.started_at).total_seconds()))
        finished = finish_call(call, status=Call.Status.FAILED, end_reason=reason, duration_seconds=duration)
        reaped += finished.end_reason == reason
    return reaped
