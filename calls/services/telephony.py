"""The tenant's Twilio account and phone numbers, and what Twilio's webhooks do to calls."""

import logging
import time

from django.db import IntegrityError, connection, transaction

from billing import quotas
from billing.selectors import limits
from calls import recordings, selectors
from calls.media import greetings
from calls.models import Call, PhoneNumber, TwilioAccount
from calls.services import recordings as recording_store
from calls.services.lifecycle import TWILIO_STATUSES, apply_status, finish_call, start_call
from calls.twilio import client as twilio
from calls.twilio import twiml
from config.errors import Conflict, DomainError
from tenants import numbers

logger = logging.getLogger(__name__)

NOT_IN_SERVICE = "Sorry, this number is not available right now. Goodbye."
NO_AGENT = "Sorry, nobody can take your call right now. Please try again later. Goodbye."
LINES_BUSY = "All our lines are busy right now. Please stay on the line, we will be with you shortly."
STILL_BUSY = "Thank you for waiting. We will be with you shortly."
VOICEMAIL_GREETING = "Sorry, all our lines are busy. Please leave your name, number and message after the tone."
VOICEMAIL_THANKS = "Thank you for your message. Goodbye."
# A waiting caller's line is checked again this often (seconds); a voicemail lasts at most this long.
QUEUE_RECHECK_SECONDS = 10
VOICEMAIL_MAX_SECONDS = 120
# AnsweredBy values of Twilio's answering machine detection that mean no person will listen.
MACHINE_RESULTS = {"machine_end_beep", "machine_end_silence", "machine_end_other", "fax"}


class NoTwilioAccount(DomainError):
    error_code = "twilio_account_missing"

    def __init__(self):
        super().__init__(
            "Connect the tenant's Twilio account first (PUT /api/twilio-account).",
            errors={"twilio_account": ["Not connected."]},
        )


def require_account() -> TwilioAccount:
    account = selectors.twilio_account()
    if account is None:
        raise NoTwilioAccount()
    return account


# Account ------------------------------------------------------------------------------------


def connect_twilio_account(*, account_sid, auth_token, **overflow) -> TwilioAccount:
    """Checks the credentials against Twilio before storing them (the token encrypted)."""
    twilio.verify_account(account_sid, auth_token)
    account, _ = TwilioAccount.objects.update_or_create(
        pk=1, defaults={"account_sid": account_sid, "auth_token": auth_token, **overflow}
    )
    return account


def update_overflow(**overflow) -> TwilioAccount:
    """What happens to an inbound call when every line of the plan is busy (overflow_action, max_queue_wait_seconds)."""
    account = require_account()
    for name, value in overflow.items():
        setattr(account, name, value)
    account.save(update_fields=[*overflow, "updated_at"])
    return account


def disconnect_twilio_account() -> None:
    TwilioAccount.objects.all().delete()


# Phone numbers ------------------------------------------------------------------------------


def _save_number(**fields) -> PhoneNumber:
    try:
        with transaction.atomic():
            return PhoneNumber.objects.create(**fields)
    except IntegrityError as exc:
        raise Conflict(f"{fields['number']} is already set up.", errors={"number": ["Already set up."]}) from exc


def _refuse_known(number: str) -> None:
    if PhoneNumber.objects.filter(number=number).exists():
        raise Conflict(f"{number} is already set up.", errors={"number": ["Already set up."]})


@transaction.atomic
def import_number(tenant, *, number, agent=None, inbound_enabled=True) -> PhoneNumber:
    """A number the tenant already owns in its Twilio account; its voice webhook is pointed at us.
    Claimed for the tenant first (409 `number_taken` if another tenant uses it), so Twilio is only
    touched for a number that is the tenant's to use; a failure afterwards rolls the claim back."""
    account = require_account()
    _refuse_known(number)
    numbers.claim(tenant, number)
    owned = twilio.find_incoming_number(account, number)
    if owned is None:
        raise DomainError(
            f"{number} is not a number of Twilio account {account.account_sid}.",
            error_code="number_not_owned",
            errors={"number": ["Not in your Twilio account."]},
        )
    twilio.route_number_to_us(account, tenant, owned.sid)
    return _save_number(
        number=number,
        twilio_sid=owned.sid,
        friendly_name=owned.friendly_name or "",
        source=PhoneNumber.Source.IMPORTED,
        agent=agent,
        inbound_enabled=inbound_enabled,
    )


def search_numbers(*, country, area_code=None, contains=None) -> list[dict]:
    found = twilio.search_available(require_account(), country=country, area_code=area_code, contains=contains)
    return [
        {
            "number": item.phone_number,
            "friendly_name": item.friendly_name,
            "locality": item.locality or "",
            "region": item.region or "",
            "country": item.iso_country,
            "capabilities": item.capabilities or {},
        }
        for item in found
    ]


@transaction.atomic
def buy_number(tenant, *, number, agent=None, inbound_enabled=True) -> PhoneNumber:
    account = require_account()
    _refuse_known(number)
    numbers.claim(tenant, number)
    bought = twilio.buy_number(account, tenant, number)
    return _save_number(
        number=number,
        twilio_sid=bought.sid,
        friendly_name=bought.friendly_name or "",
        source=PhoneNumber.Source.PURCHASED,
        agent=agent,
        inbound_enabled=inbound_enabled,
    )


def update_number(phone: PhoneNumber, **fields) -> PhoneNumber:
    for name, value in fields.items():
        setattr(phone, name, value)
    phone.save(update_fields=list(fields))
    return phone


@transaction.atomic
def remove_number(phone: PhoneNumber) -> None:
    """Stops using the number here, and frees it for other tenants; it stays in the tenant's Twilio account
    (releasing it there is their call)."""
    phone.delete()
    numbers.release(connection.tenant, phone.number)


# Webhooks -----------------------------------------------------------------------------------


def answer_voice(tenant, params, *, call_id, public_url, waiting_since=None) -> str:
    """TwiML for Twilio's voice webhook: bridge the call to our media stream, or say why not and hang up.
    An inbound call finding every line busy waits (Twilio comes back with `waiting_since`) or leaves a voicemail."""
    if params.get("Direction", "inbound") == "inbound":
        return _answer_inbound(tenant, params, public_url, waiting_since)
    return _answer_outbound(tenant, params, call_id, public_url)


def _connect(tenant, call, public_url) -> str:
    # A conversation under way (Twilio retried the webhook after the stream began) goes on without a greeting.
    greeting = greetings.prepare(call) if not call.state else ""
    return twiml.connect_stream(
        twiml.media_stream_url(public_url, tenant.slug), call_id=call.pk, tenant_slug=tenant.slug, greeting=greeting
    )


def _answer_inbound(tenant, params, public_url, waiting_since=None) -> str:
    if not tenant.is_active:
        return twiml.say_and_hang_up(NOT_IN_SERVICE)
    call_sid = params.get("CallSid", "")
    existing = Call.objects.filter(twilio_call_sid=call_sid).first() if call_sid else None
    if existing is not None:  # Twilio retried the webhook
        return _connect(tenant, existing, public_url) if not existing.is_finished else twiml.say_and_hang_up("")
    phone = selectors.inbound_number(params.get("To", ""))
    agent = phone.agent if phone is not None and phone.inbound_enabled else None
    if agent is None or not agent.is_active:
        return twiml.say_and_hang_up(NO_AGENT)
    if not quotas.minutes_left(tenant, used=selectors.minutes_used_this_month()):
        # No minutes left on the plan: no line frees up for it, so straight to the overflow's voicemail.
        return _voicemail(tenant, agent, phone, params)
    plan = limits(tenant)
    try:
        with transaction.atomic():
            # One answer at a time per tenant, so two callers cannot both take the last free line.
            account = TwilioAccount.objects.select_for_update().first()
            if account is not None and selectors.live_call_count() >= plan.max_concurrent_calls:
                return _overflow(tenant, account, agent, phone, params, waiting_since)
            call = start_call(
                direction=Call.Direction.INBOUND,
                agent=agent,
                flow_version=agent.template.latest_version if agent.template_id else None,
                from_number=params.get("From", ""),
                to_number=phone.number,
                twilio_call_sid=call_sid or None,
            )
    except IntegrityError:  # the same webhook, concurrently
        call = Call.objects.get(twilio_call_sid=call_sid)
    return _connect(tenant, call, public_url)


def _overflow(tenant, account, agent, phone, params, waiting_since) -> str:
    """Every line of the plan is busy: wait (up to the account's maximum, re-checking), then or at once, voicemail."""
    now = int(time.time())
    since = int(waiting_since) if str(waiting_since or "").isdigit() else now
    if account.overflow_action == TwilioAccount.Overflow.QUEUE and now - since < account.max_queue_wait_seconds:
        return twiml.wait_for_a_line(
            LINES_BUSY if since == now else STILL_BUSY,
            twilio.webhook_url(tenant, "voice", waiting_since=since),
            pause_seconds=QUEUE_RECHECK_SECONDS,
            language=agent.language,
        )
    return _voicemail(tenant, agent, phone, params)


def _voicemail(tenant, agent, phone, params) -> str:
    # A voicemail is a call of its own that no agent takes: finished now, its recording attached when ready.
    call = start_call(
        direction=Call.Direction.INBOUND,
        agent=agent,
        from_number=params.get("From", ""),
        to_number=phone.number,
        twilio_call_sid=params.get("CallSid") or None,
    )
    finish_call(call, end_reason="voicemail")
    return twiml.record_voicemail(
        agent.voicemail_message or VOICEMAIL_GREETING,
        done_url=twilio.webhook_url(tenant, "voicemail"),
        recording_url=twilio.webhook_url(tenant, "recording", call_id=call.pk),
        max_seconds=VOICEMAIL_MAX_SECONDS,
        language=agent.language,
    )


def voicemail_done() -> str:
    """Where Twilio goes once the caller's message is recorded."""
    return twiml.say_and_hang_up(VOICEMAIL_THANKS)


def _answer_outbound(tenant, params, call_id, public_url) -> str:
    call = selectors.call_for_webhook(params.get("CallSid", ""), call_id)
    if call is None or call.is_finished:
        return twiml.say_and_hang_up("")
    _attach_sid(call, params.get("CallSid", ""))
    apply_status(call, Call.Status.IN_PROGRESS)
    return _connect(tenant, call, public_url)


def _attach_sid(call: Call, call_sid: str) -> None:
    if call_sid and not call.twilio_call_sid:
        Call.objects.filter(pk=call.pk, twilio_call_sid__isnull=True).update(twilio_call_sid=call_sid)
        call.twilio_call_sid = call_sid


def _parse_duration(value) -> int | None:
    return int(value) if value not in (None, "") and str(value).isdigit() else None


def record_status(params, *, call_id) -> Call | None:
    """Twilio's status callback; a status Twilio never sends is refused naming the field."""
    status = TWILIO_STATUSES.get(params.get("CallStatus", ""))
    if status is None:
        raise DomainError("Unknown call status.", errors={"CallStatus": ["Unknown call status."]})
    call = selectors.call_for_webhook(params.get("CallSid", ""), call_id)
    if call is None:
        logger.info("Status callback for an unknown call %s", params.get("CallSid"))
        return None
    _attach_sid(call, params.get("CallSid", ""))
    return apply_status(call, status, duration_seconds=_parse_duration(params.get("CallDuration")))


def record_recording(params, *, call_id) -> Call | None:
    """Twilio's recording status callback: a completed recording is attached to its call (once)."""
    call = selectors.call_for_webhook(params.get("CallSid", ""), call_id)
    if call is None or params.get("RecordingStatus", "completed") != "completed":
        return call
    sid, url = params.get("RecordingSid", ""), params.get("RecordingUrl", "")
    if call.recording_consent is False and recordings.is_twilio_sid(sid):
        # The caller said no: the audio is deleted at Twilio, and nothing of it is stored here.
        twilio.delete_recording(require_account(), sid)
        return call
    if not recordings.is_twilio_sid(sid) or not recordings.is_allowed_url(url):
        # Signed with the tenant's own token, so a tenant can forge one: never store an address of its choosing.
        logger.warning("Ignored a recording callback for call %s with SID %r at %r", call.pk, sid[:40], url[:200])
        return call
    if call.recording_sid != sid or call.recording_url != url:
        call.recording_sid, call.recording_url = sid, url
        call.recording_duration = _parse_duration(params.get("RecordingDuration"))
        call.save(update_fields=["recording_sid", "recording_url", "recording_duration"])
        recording_store.queue_copy(call)
    return call


def record_machine_detection(params, *, call_id) -> Call | None:
    """The answering machine detection result: the first one counts.

    Calls are dialed with `MachineDetection=DetectMessageEnd`, so a machine's result (machine_end_beep,
    _silence or _other) arrives once its greeting is over: a message said now is recorded after the beep.
    A machine never gets the conversation: it gets the agent's voicemail message or a hang-up, as the call's
    `voicemail_action` says (blank: the message if the agent has one); a fax always gets a hang-up."""
    call = selectors.call_for_webhook(params.get("CallSid", ""), call_id)
    answered_by = params.get("AnsweredBy", "")
    if call is None or not answered_by:
        return call
    if not Call.objects.filter(pk=call.pk, answered_by="").update(answered_by=answered_by):
        return call
    call.answered_by = answered_by
    if answered_by in MACHINE_RESULTS and not call.is_finished and call.twilio_call_sid:
        message = _voicemail_message(call, answered_by)
        if message:
            twilio.update_call(
                require_account(),
                call.twilio_call_sid,
                twiml=twiml.say_and_hang_up(message, language=call.agent.language),
            )
        else:
            twilio.update_call(require_account(), call.twilio_call_sid, status="completed")
        call = finish_call(call, end_reason="voicemail_left" if message else "answering_machine")
    return call


def _voicemail_message(call: Call, answered_by: str) -> str:
    message = call.agent.voicemail_message if call.agent else ""
    if answered_by == "fax" or call.voicemail_action == Call.VoicemailAction.HANG_UP:
        return ""
    if call.voicemail_action == Call.VoicemailAction.LEAVE_MESSAGE and not message:
        logger.info("Call %s: leave_message asked, but agent %s has no voicemail message", call.pk, call.agent_id)
    return message
