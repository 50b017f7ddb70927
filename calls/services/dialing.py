"""Outbound dialing: one pre-dial check every dial path goes through, placing a call, ending one."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing import quotas
from billing.selectors import limits
from calls import selectors
from calls.models import Call, TwilioAccount
from calls.services import recordings
from calls.services.lifecycle import finish_call, publish_call_event
from calls.services.telephony import NoTwilioAccount
from calls.twilio import client as twilio
from compliance.services import check_dial
from config.errors import Conflict, DomainError, Forbidden, TooManyRequests
from config.phone_numbers import to_e164

# All lines busy: a dial is worth trying again after this long.
LINES_BUSY_RETRY_SECONDS = 30


@dataclass(frozen=True)
class Dialable:
    to_number: str
    caller_id: str
    account: TwilioAccount


def predial_check(*, agent, to_number: str, tenant, timezone_hint: str = "") -> Dialable:
    """Everything that must hold before any call is dialed (API, campaigns, scheduled calls): a valid
    number, an active agent with a caller id, an active tenant with a Twilio account, a subscription in good
    standing, a free line and minutes left on its plan (402 `plan_limit`); and the compliance rules: not on a Do-Not-Call list, inside the recipient's
    calling hours (in `timezone_hint`, the contact's zone, when known). Raises a DomainError naming what is wrong."""
    number = check_dial(to_number, tenant=tenant, timezone_hint=timezone_hint)
    if not tenant.is_active:
        raise Forbidden(f"Tenant '{tenant.slug}' is suspended.", error_code="tenant_suspended")
    if agent is None or not agent.is_active:
        raise DomainError("The agent is not active.", error_code="agent_inactive", errors={"agent": ["Not active."]})
    caller_id = selectors.caller_id_of(agent)
    if caller_id is None:
        raise DomainError(
            "The agent has no phone number to call from.",
            error_code="no_caller_id",
            errors={"agent": ["Assign a phone number to this agent to use as caller id."]},
        )
    account = selectors.twilio_account()
    if account is None:
        raise NoTwilioAccount()
    quotas.check_outbound(tenant)
    plan = limits(tenant)
    if selectors.live_call_count() >= plan.max_concurrent_calls:
        raise TooManyRequests(
            f"All {plan.max_concurrent_calls} lines of the plan are busy; try again shortly.",
            error_code="concurrency_limit",
            retry_after_seconds=LINES_BUSY_RETRY_SECONDS,
        )
    quotas.check_minutes(tenant, used=selectors.minutes_used_this_month())
    return Dialable(to_number=number, caller_id=caller_id.number, account=account)


def place_call(
    tenant, *, agent, to_number, variables=None, idempotency_key=None, record=False, contact=None, voicemail_action=""
) -> tuple[Call, bool]:
    """Dial through Twilio. The call row (with its idempotency key) is committed before Twilio is asked,
    so a retried request returns the same call instead of dialing twice. Returns (call, created)."""
    key = idempotency_key or uuid.uuid4().hex
    existing = _replay(key, agent, to_number)
    if existing is not None:
        return _recover_lost_dial(existing, tenant, record=record), False
    try:
        with transaction.atomic():
            # One dial at a time per tenant, so two requests cannot both take the last free line.
            TwilioAccount.objects.select_for_update().first()
            dialable = predial_check(
                agent=agent, to_number=to_number, tenant=tenant, timezone_hint=getattr(contact, "timezone", "")
            )
            call = Call.objects.create(
                direction=Call.Direction.OUTBOUND,
                status=Call.Status.QUEUED,
                agent=agent,
                flow_version=agent.template.latest_version if agent.template_id else None,
                from_number=dialable.caller_id,
                to_number=dialable.to_number,
                idempotency_key=key,
                contact_variables=variables or {},
                contact=contact,
                voicemail_action=voicemail_action,
            )
            publish_call_event("call.started", call)
    except IntegrityError:  # the same key, concurrently
        return _replay(key, agent, to_number), False
    return _dial(call, dialable.account, tenant, record=record), True


def _dial(call: Call, account, tenant, *, record: bool) -> Call:
    try:
        created = twilio.create_call(account, tenant, call, record=record or recordings.tenant_records_calls())
    except DomainError:
        finish_call(call, status=Call.Status.FAILED, end_reason="dial_failed")
        raise
    return _adopt_sid(call, created.sid)


def _adopt_sid(call: Call, sid: str) -> Call:
    Call.objects.filter(pk=call.pk, twilio_call_sid__isnull=True).update(twilio_call_sid=sid)
    call.refresh_from_db()
    return call


def lost_dial_cutoff():
    """Calls queued before this without a Twilio SID lost their dial: no request to Twilio lasts this long."""
    return timezone.now() - timedelta(seconds=2 * settings.TWILIO_HTTP_TIMEOUT + 10)


def _recover_lost_dial(call: Call, tenant, *, record: bool) -> Call:
    """A replayed key whose call row was committed but whose dial never got Twilio's answer (the process died).
    Either Twilio has the call — adopt its SID — or it never got the request: dial it now, if the compliance
    rules still allow it. The row lock makes concurrent replays recover it once."""
    if call.created_at > lost_dial_cutoff():
        return call
    with transaction.atomic():
        lost = (
            Call.objects.select_for_update(skip_locked=True)
            .filter(pk=call.pk, twilio_call_sid__isnull=True, status=Call.Status.QUEUED)
            .first()
        )
        if lost is None:  # never lost (it has its SID, or is over), recovered meanwhile, or being recovered now
            call.refresh_from_db()
            return call
        account = selectors.twilio_account()
        if account is None:
            raise NoTwilioAccount()
        # A few seconds' slack for Twilio's clock; a SID another row of ours holds is never the lost call's.
        since = lost.created_at - timedelta(seconds=5)
        known = Call.objects.filter(to_number=lost.to_number, created_at__gte=since).values_list(
            "twilio_call_sid", flat=True
        )
        sid = twilio.find_outbound_call(
            account, to=lost.to_number, from_=lost.from_number, since=since, exclude=set(known)
        )
        if sid is not None:
            return _adopt_sid(lost, sid)
        try:  # refusals are recorded (the call fails) before the error goes up, so they commit
            check_dial(lost.to_number, tenant=tenant, timezone_hint=lost.contact.timezone if lost.contact_id else "")
        except DomainError as exc:
            finish_call(lost, status=Call.Status.FAILED, end_reason=exc.error_code)
            refused = exc
        else:
            try:
                return _dial(lost, account, tenant, record=record)
            except DomainError as exc:
                refused = exc
    raise refused


def _replay(key, agent, to_number) -> Call | None:
    existing = Call.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    try:
        same_number = to_e164(to_number) == existing.to_number
    except ValueError:
        same_number = False
    if existing.agent_id != getattr(agent, "pk", None) or not same_number:
        raise Conflict(
            "This Idempotency-Key was used for another call.",
            error_code="idempotency_key_reused",
            errors={"Idempotency-Key": ["Already used for a different request."]},
        )
    return existing


def end_call(call: Call) -> Call:
    """Hang up (or cancel, before answer) through Twilio, then record the outcome."""
    if call.is_finished:
        raise Conflict("The call has already ended.", error_code="call_finished")
    status = Call.Status.CANCELED if call.status in (Call.Status.QUEUED, Call.Status.RINGING) else Call.Status.COMPLETED
    if call.twilio_call_sid:
        account = selectors.twilio_account()
        if account is None:
            raise NoTwilioAccount()
        twilio.update_call(account, call.twilio_call_sid, status=status)
    return finish_call(call, status=status, end_reason="ended_by_staff")
