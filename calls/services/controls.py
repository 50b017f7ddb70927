"""Staff controls of a live phone call: hold, resume, mute, unmute, transfer, take over, end.

Twilio's documented mechanics: replacing a call's TwiML (`calls(sid).update(twiml=...)`) ends the
`<Connect><Stream>` under way. Hold plays looping music; resume connects a new media stream, whose
session picks the conversation up from the stored engine state without greeting again; transfer and
take-over `<Dial>` a number (the agent's part of the call is then over); end hangs up. Mute never reaches
Twilio: the media session, in whichever process holds the stream, learns it through the call's control
group and stops sending agent audio. Every control is audited, and the live view is told what changed.
"""

from django.conf import settings
from django.db import transaction

from calls import groups, selectors
from calls.models import Call
from calls.services import dialing
from calls.services.lifecycle import finish_call
from calls.services.telephony import require_account
from calls.twilio import client as twilio
from calls.twilio import twiml
from compliance.services import record_audit_event
from config.errors import Conflict, DomainError

ACTIONS = ("hold", "resume", "mute", "unmute", "transfer", "takeover", "end")
TAKEOVER_GREETING = "Please hold while I connect you to a member of our team."


class InvalidTransition(Conflict):
    error_code = "invalid_transition"


def controls_event(call: Call, action: str, actor) -> dict:
    return {
        "type": "controls",
        "action": action,
        "by": getattr(actor, "email", ""),
        "on_hold": call.on_hold,
        "agent_muted": call.agent_muted,
    }


def state_event(call: Call) -> dict:
    return {"type": "state", "status": call.status, "end_reason": call.end_reason}


def control_call(
    tenant, call: Call, action: str, *, actor, to: str = "", mode: str = "cold", phone: str = "", note: str = ""
) -> Call:
    """Applies one control; 409 `call_finished` on an ended call, `invalid_transition` when the call is not
    in a state the control applies to (not answered yet, not a phone call, already on hold...)."""
    if call.is_finished:
        raise Conflict("The call has already ended.", error_code="call_finished")
    if action == "end":
        call = dialing.end_call(call)
    else:
        if call.status != Call.Status.IN_PROGRESS or not call.twilio_call_sid:
            raise InvalidTransition(
                "Only an answered phone call can be controlled.", errors={"action": [f"The call is {call.status}."]}
            )
        call = _CONTROLS[action](tenant, call, to=to, mode=mode, phone=phone, note=note)
    data = {
        key: value
        for key, value in {"to": to, "mode": mode if action == "transfer" else "", "phone": phone, "note": note}.items()
        if value
    }
    record_audit_event(action=f"call.{action}", actor=actor, target=f"call:{call.pk}", data=data)
    groups.on_commit_send(
        call.pk,
        live=state_event(call) if call.is_finished else controls_event(call, action, actor),
        control={"action": action} if action in ("mute", "unmute") else None,
    )
    return call


def _flip(call: Call, field: str, value: bool, refusal: str) -> Call:
    """Sets the flag only if it was the other way, in one statement, so two staff members cannot both win."""
    if (
        not Call.objects.filter(pk=call.pk, **{field: not value})
        .exclude(status__in=Call.FINAL_STATUSES)
        .update(**{field: value})
    ):
        raise InvalidTransition(refusal, errors={"action": [refusal]})
    setattr(call, field, value)
    return call


def _replace_twiml(call: Call, document: str, *, undo: dict | None = None) -> None:
    """Twilio runs `document` from now on; if Twilio refuses, the flags set for it are put back (`undo`)."""
    try:
        twilio.update_call(require_account(), call.twilio_call_sid, twiml=document)
    except DomainError:
        if undo:
            Call.objects.filter(pk=call.pk).update(**undo)
        raise


def _hold(tenant, call, **params):
    _flip(call, "on_hold", True, "The call is already on hold.")
    _replace_twiml(call, twiml.hold(), undo={"on_hold": False})
    return call


def _resume(tenant, call, **params):
    _flip(call, "on_hold", False, "The call is not on hold.")
    document = twiml.connect_stream(
        twiml.media_stream_url(settings.TWILIO_WEBHOOK_BASE_URL, tenant.slug), call_id=call.pk, tenant_slug=tenant.slug
    )
    _replace_twiml(call, document, undo={"on_hold": True})
    return call


def _mute(tenant, call, **params):
    return _flip(call, "agent_muted", True, "The agent is already muted.")


def _unmute(tenant, call, **params):
    return _flip(call, "agent_muted", False, "The agent is not muted.")


def _whisper_url(tenant, call, note: str) -> str:
    return twilio.webhook_url(tenant, "whisper", call_id=call.pk, **({"note": note} if note else {}))


def _transfer(tenant, call, *, to, mode, note, **params):
    whisper = _whisper_url(tenant, call, note) if mode == "warm" else ""
    _replace_twiml(call, twiml.dial(to, whisper_url=whisper))
    return _hand_over(call, "transferred_by_staff")


def _takeover(tenant, call, *, phone, note, **params):
    language = call.agent.language if call.agent else "en-US"
    _replace_twiml(
        call, twiml.dial(phone, say=TAKEOVER_GREETING, whisper_url=_whisper_url(tenant, call, note), language=language)
    )
    return _hand_over(call, "taken_over_by_staff")


@transaction.atomic
def _hand_over(call, reason: str) -> Call:
    """The caller now talks to a person: the agent's conversation is over (Twilio reports the call's end later)."""
    Call.objects.filter(pk=call.pk).update(on_hold=False)
    return finish_call(call, end_reason=reason)


_CONTROLS = {
    "hold": _hold,
    "resume": _resume,
    "mute": _mute,
    "unmute": _unmute,
    "transfer": _transfer,
    "takeover": _takeover,
}


def whisper(call_id, *, note: str = "") -> str:
    """What the person a call is handed to hears before being bridged: who calls, and the staff's note.
    (The call id comes from the URL we gave Twilio, which Twilio's signature covers.)"""
    call = selectors.calls(include_tests=True).filter(pk=call_id).first() if str(call_id).isdigit() else None
    if call is None:
        return twiml.say("Connecting a call.")
    caller = call.from_number if call.direction == Call.Direction.INBOUND else call.to_number
    agent = call.agent.name if call.agent else "the assistant"
    # Digit by digit: <Say> reads "+14155550123" as one large number.
    message = f"Call from {' '.join(caller.lstrip('+'))}, handed over by {agent}."
    return twiml.say(f"{message} {note}".strip(), language=call.agent.language if call.agent else "en-US")
