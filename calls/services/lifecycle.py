"""Starting calls, recording their turns, following their status and finishing them.

Telephony and the sandbox share these, so a sandbox conversation is stored exactly like a call.
"""

from django.db import transaction
from django.utils import timezone

from calls.models import Call, CallTurn
from calls.services.postcall import record_usage
from calls.signals import call_finished
from compliance import redaction
from compliance.selectors import compliance_settings
from config.celery import enqueue_on_commit
from config.events import publish

ANALYSE_TASK = "calls.analyse_call"

TIMING_FIELDS = ("vad_ms", "stt_ms", "llm_ms", "tts_ms", "tts_first_ms", "engine_ms", "total_ms")


def start_call(
    *,
    direction,
    agent=None,
    flow_version=None,
    is_test=False,
    from_number="",
    to_number="",
    twilio_call_sid=None,
    status=Call.Status.IN_PROGRESS,
) -> Call:
    answered = status == Call.Status.IN_PROGRESS
    call = Call.objects.create(
        direction=direction,
        agent=agent,
        flow_version=flow_version,
        is_test=is_test,
        from_number=from_number,
        to_number=to_number,
        twilio_call_sid=twilio_call_sid,
        status=status,
        started_at=timezone.now() if answered else None,
    )
    if not is_test:
        publish_call_event("call.started", call)
    return call


def publish_call_event(event_type: str, call: Call) -> None:
    """`call.started` / `call.finished` (config.events) of a real call, sent once the transaction commits."""
    data = {
        "call_id": call.pk,
        "direction": call.direction,
        "status": call.status,
        "agent_id": call.agent_id,
        "from_number": call.from_number,
        "to_number": call.to_number,
    }
    if event_type == "call.finished":
        data |= {"end_reason": call.end_reason, "duration_seconds": call.duration_seconds}
    publish(event_type, data)


@transaction.atomic
def record_turn(
    call: Call, *, speaker, text="", node_id="", actions=(), interrupted=False, heard_text="", timings=None, state=None
) -> CallTurn:
    """Appends a turn (numbered under a lock on the call, so concurrent writers never collide) and,
    when given, the engine state the call resumes from."""
    locked = Call.objects.select_for_update().get(pk=call.pk)
    index = locked.turns.count()
    timings = timings or {}
    if compliance_settings().redact_pii:
        text, heard_text = redaction.redact(text), redaction.redact(heard_text)
    turn = CallTurn.objects.create(
        call=locked,
        index=index,
        speaker=speaker,
        text=text,
        node_id=node_id or "",
        actions=list(actions),
        interrupted=interrupted,
        heard_text=heard_text,
        **{name: timings[name] for name in TIMING_FIELDS if timings.get(name) is not None},
    )
    if state is not None:
        locked.state = call.state = state
        locked.save(update_fields=["state"])
    return turn


@transaction.atomic
def finish_call(call: Call, *, status=Call.Status.COMPLETED, end_reason="", duration_seconds=None) -> Call:
    """Idempotent: a call already finished keeps its first outcome. A real call is analysed once committed."""
    locked = Call.objects.select_for_update().get(pk=call.pk)
    if locked.is_finished:
        return locked
    now = timezone.now()
    locked.status, locked.end_reason, locked.ended_at = status, end_reason, now
    if duration_seconds is not None:
        locked.duration_seconds = duration_seconds
    elif locked.started_at:
        locked.duration_seconds = round((now - locked.started_at).total_seconds())
    locked.save(update_fields=["status", "end_reason", "ended_at", "duration_seconds"])
    call_finished.send(sender=Call, call=locked)
    if not locked.is_test:
        schedule_analysis(locked)
        publish_call_event("call.finished", locked)
    return locked


def schedule_analysis(call: Call) -> None:
    """Queue the post-call analysis once the transaction commits, in the current tenant's schema."""
    enqueue_on_commit(ANALYSE_TASK, call.pk)


# Twilio's call statuses, and how far along each is: a status never moves a call backwards.
TWILIO_STATUSES = {
    "queued": Call.Status.QUEUED,
    "initiated": Call.Status.QUEUED,
    "ringing": Call.Status.RINGING,
    "in-progress": Call.Status.IN_PROGRESS,
    "completed": Call.Status.COMPLETED,
    "busy": Call.Status.BUSY,
    "no-answer": Call.Status.NO_ANSWER,
    "failed": Call.Status.FAILED,
    "canceled": Call.Status.CANCELED,
}
_PROGRESS = {Call.Status.QUEUED: 0, Call.Status.RINGING: 1, Call.Status.IN_PROGRESS: 2}


def _progress(status) -> int:
    return _PROGRESS.get(status, 3)


@transaction.atomic
def apply_status(call: Call, status: str, *, duration_seconds=None) -> Call:
    """A status report (Twilio callback, our own hang-up): moves the call forward only, so repeated
    and late reports change nothing. Twilio's duration of a finished call is kept as the billing truth."""
    locked = Call.objects.select_for_update().get(pk=call.pk)
    if locked.is_finished:
        if (
            status in Call.FINAL_STATUSES
            and duration_seconds is not None
            and locked.duration_seconds != duration_seconds
        ):
            locked.duration_seconds = duration_seconds
            if locked.billable_seconds is not None:
                locked.billable_seconds = duration_seconds
            locked.save(update_fields=["duration_seconds", "billable_seconds"])
            if locked.billable_seconds is not None:
                record_usage(locked)
        return locked
    if _progress(status) <= _progress(locked.status):
        return locked
    if status in Call.FINAL_STATUSES:
        return finish_call(locked, status=status, end_reason=status, duration_seconds=duration_seconds)
    locked.status = status
    fields = ["status"]
    if status == Call.Status.IN_PROGRESS and locked.started_at is None:
        locked.started_at = timezone.now()
        fields.append("started_at")
    locked.save(update_fields=fields)
    return locked
