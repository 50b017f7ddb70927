"""The dialer: a beat tick claims due attempts within pacing, a worker task dials each claimed attempt.

State lives in PostgreSQL. A claim is a conditional UPDATE (… FOR UPDATE SKIP LOCKED) that stamps a token,
so two tickers never take the same attempt; every dial goes through `calls.services.place_call` with the
attempt's idempotency key, so a redelivered task, or a stale claim sent again, replays the call already
placed instead of dialing twice.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from calls.models import Call
from calls.services import place_call
from campaigns.models import Attempt, Campaign, idempotency_key
from campaigns.services.lifecycle import Window, complete_if_done, pause_for, start_due_campaigns, window_state
from config.errors import DomainError, PlanLimit

A = Attempt.Status
IN_FLIGHT = (A.CLAIMED, A.DIALING, A.IN_PROGRESS)
PACING_WINDOW = timedelta(minutes=1)
# Pre-dial refusals that concern the whole campaign, not one number: it pauses until staff resume it.
CAMPAIGN_WIDE_REFUSALS = {
    "tenant_suspended",
    "agent_inactive",
    "no_caller_id",
    "twilio_account_missing",
    "plan_limit",
}
MACHINE_ANSWERS = ("machine", "fax")


@dataclass(frozen=True)
class Claim:
    attempt_id: int
    token: str


def tick(*, now: datetime | None = None) -> list[Claim]:
    """One beat of the dispatcher in the current tenant: start scheduled campaigns, send stale claims again,
    then claim what each running campaign may dial now. The caller sends one dial task per claim."""
    now = now or timezone.now()
    start_due_campaigns(now=now)
    claims = resend_stale_claims(now=now)
    for campaign_id in Campaign.objects.filter(status=Campaign.Status.RUNNING).values_list("pk", flat=True):
        claims += _dispatch_campaign(campaign_id, now)
    return claims


def _dispatch_campaign(campaign_id: int, now: datetime) -> list[Claim]:
    with transaction.atomic():
        # Another ticker working on this campaign holds the lock: skip it rather than both spend its pacing.
        campaign = (
            Campaign.objects.select_for_update(skip_locked=True)
            .filter(pk=campaign_id, status=Campaign.Status.RUNNING)
            .first()
        )
        if campaign is None:
            return []
        state = window_state(campaign, now)
        if state == Window.OVER:
            campaign.attempts.filter(status=A.PENDING).update(status=A.EXPIRED, outcome="window_over", updated_at=now)
        claims = claim_due(campaign, allowance(campaign, now=now), now=now) if state == Window.OPEN else []
        if not claims:
            complete_if_done(campaign, now=now)
        return claims


def allowance(campaign: Campaign, *, now: datetime) -> int:
    """How many more attempts may be claimed now: calls per minute over the last minute (dials made plus claims
    not yet dialed) and concurrent calls (attempts claimed, dialing or on a call)."""
    dialed = campaign.attempts.filter(dialed_at__gt=now - PACING_WINDOW).count()
    in_flight = dict(campaign.attempts.filter(status__in=IN_FLIGHT).values_list("status").annotate(n=Count("pk")))
    return max(
        0,
        min(
            campaign.calls_per_minute - dialed - in_flight.get(A.CLAIMED, 0),
            campaign.max_concurrent_calls - sum(in_flight.values()),
        ),
    )


def claim_due(campaign: Campaign, limit: int, *, now: datetime) -> list[Claim]:
    """Claims up to `limit` due attempts, oldest first; rows another transaction holds are skipped, never shared."""
    if limit <= 0:
        return []
    token = uuid.uuid4()
    table = Attempt._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH due AS (
                SELECT id FROM {table}
                WHERE campaign_id = %(campaign)s AND status = 'pending' AND due_at <= %(now)s
                ORDER BY due_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED
            )
            UPDATE {table} a SET status = 'claimed', claim_token = %(token)s, claimed_at = %(now)s, updated_at = %(now)s
            FROM due WHERE a.id = due.id
            RETURNING a.id
            """,
            {"campaign": campaign.pk, "now": now, "limit": limit, "token": token},
        )
        return [Claim(row[0], str(token)) for row in sorted(cursor.fetchall())]


def resend_stale_claims(*, now: datetime) -> list[Claim]:
    """Attempts claimed or dialing for longer than CAMPAIGN_STALE_CLAIM_SECONDS lost their task (a worker died,
    the broker dropped it): send them again with the same token; the dial replays if the call was placed."""
    cutoff = now - timedelta(seconds=settings.CAMPAIGN_STALE_CLAIM_SECONDS)
    table = Attempt._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH stale AS (
                SELECT id FROM {table} WHERE status IN ('claimed', 'dialing') AND claimed_at < %(cutoff)s
                ORDER BY id FOR UPDATE SKIP LOCKED
            )
            UPDATE {table} a SET claimed_at = %(now)s, updated_at = %(now)s FROM stale WHERE a.id = stale.id
            RETURNING a.id, a.claim_token
            """,
            {"cutoff": cutoff, "now": now},
        )
        return [Claim(row[0], str(row[1])) for row in sorted(cursor.fetchall())]


def dial(attempt_id: int, token: str, *, now: datetime | None = None) -> Attempt | None:
    """Dials one claimed attempt (the worker task). Safe to run again for the same claim: the attempt is
    marked `dialing` before `place_call`, whose idempotency key returns the call already placed."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("campaign__agent", "contact")
            .filter(pk=attempt_id, claim_token=token, status__in=(A.CLAIMED, A.DIALING))
            .first()
        )
        if attempt is None:
            return None  # claimed again since, or already dialed and over
        campaign = attempt.campaign
        if attempt.status == A.CLAIMED:
            if campaign.status != Campaign.Status.RUNNING:
                _release(attempt, due_at=attempt.due_at)
                return attempt
            attempt.status, attempt.dialed_at = A.DIALING, now
            attempt.save(update_fields=["status", "dialed_at", "updated_at"])
    variables = {**campaign.variables, **(attempt.contact.variables() if attempt.contact else {})}
    try:
        call, _ = place_call(
            connection.tenant,
            agent=campaign.agent,
            to_number=attempt.number,
            variables=variables,
            idempotency_key=attempt.idempotency_key,
            contact=attempt.contact,
            voicemail_action=campaign.voicemail_action,
        )
    except DomainError as exc:
        _refused(attempt, exc, now)
        return attempt
    Attempt.objects.filter(pk=attempt.pk, status=A.DIALING).update(status=A.IN_PROGRESS, call=call, updated_at=now)
    return attempt


def _refused(attempt: Attempt, exc: DomainError, now: datetime) -> None:
    """The pre-dial check (or Twilio) said no. A call Twilio refused was already finished, and the call_finished
    receiver has recorded it: the attempt is then no longer `dialing` and nothing changes here."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=attempt.campaign_id)
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.status != A.DIALING:
            return
        code = exc.error_code
        if code == "concurrency_limit":
            _release(attempt, due_at=now + timedelta(seconds=exc.retry_after_seconds))
        elif code == "outside_calling_hours":
            # The refusal's own retry time, so the next claim is not refused again by the same rule.
            _release(attempt, due_at=exc.retry_at)
        elif code in CAMPAIGN_WIDE_REFUSALS:
            _release(attempt, due_at=attempt.due_at)
            pause_for(campaign, f"{code}:{exc.limit_name}" if isinstance(exc, PlanLimit) else code)
        else:
            attempt.status = A.SKIPPED_DNC if code == "on_dnc_list" else A.FAILED
            attempt.outcome, attempt.detail = code, str(exc.detail)[:300]
            attempt.save(update_fields=["status", "outcome", "detail", "updated_at"])
            complete_if_done(campaign, now=now)


def _release(attempt: Attempt, *, due_at: datetime) -> None:
    """Back to pending, not dialed: the next tick claims it again once due."""
    attempt.status, attempt.due_at = A.PENDING, due_at
    attempt.claim_token = attempt.claimed_at = attempt.dialed_at = None
    attempt.save(update_fields=["status", "due_at", "claim_token", "claimed_at", "dialed_at", "updated_at"])


def on_call_finished(sender, call: Call, **kwargs) -> None:
    """`calls.signals.call_finished` receiver, inside the transaction that finishes the call: records the
    attempt's outcome, plans the next try when the policy says so, and completes the campaign after its last call."""
    key = call.idempotency_key or ""
    if not key.startswith("campaign-"):
        return
    found = Attempt.objects.filter(idempotency_key=key).values_list("campaign_id", flat=True).first()
    if found is None:
        return
    now = timezone.now()
    # Campaign first, then attempt: the same lock order as every other writer of both.
    campaign = Campaign.objects.select_for_update().get(pk=found)
    attempt = Attempt.objects.select_for_update().get(idempotency_key=key)
    if attempt.status not in (A.DIALING, A.IN_PROGRESS):
        return
    outcome = call.status
    if call.status == Call.Status.COMPLETED and (call.answered_by or "").startswith(MACHINE_ANSWERS):
        outcome = Campaign.RetryOutcome.VOICEMAIL
    attempt.status, attempt.call, attempt.outcome = A.DONE, call, outcome
    attempt.save(update_fields=["status", "call", "outcome", "updated_at"])
    if (
        outcome in campaign.retry_on
        and attempt.attempt_no < campaign.max_attempts
        and campaign.status in (Campaign.Status.RUNNING, Campaign.Status.PAUSED)
    ):
        next_no = attempt.attempt_no + 1
        Attempt.objects.get_or_create(
            idempotency_key=idempotency_key(campaign.pk, attempt.contact_id, next_no),
            defaults={
                "campaign": campaign,
                "contact_id": attempt.contact_id,
                "number": attempt.number,
                "attempt_no": next_no,
                "due_at": now + timedelta(minutes=campaign.retry_delay_minutes),
            },
        )
    complete_if_done(campaign, now=now)
