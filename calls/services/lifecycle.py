"""Starting calls, recording their turns and finishing them: the only writers of Call and CallTurn.

Telephony and the sandbox share these, so a sandbox conversation is stored exactly like a call.
"""
from django.db import transaction
from django.utils import timezone

from calls.models import Call, CallTurn

TIMING_FIELDS = ("stt_ms", "llm_ms", "tts_ms", "engine_ms", "total_ms")


def start_call(*, direction, agent=None, flow_version=None, is_test=False, from_number="", to_number="",
               twilio_call_sid=None, status=Call.Status.IN_PROGRESS) -> Call:
    answered = status == Call.Status.IN_PROGRESS
    return Call.objects.create(
        direction=direction, agent=agent, flow_version=flow_version, is_test=is_test, from_number=from_number,
        to_number=to_number, twilio_call_sid=twilio_call_sid, status=status,
        started_at=timezone.now() if answered else None,
    )


@transaction.atomic
def record_turn(call: Call, *, speaker, text="", node_id="", actions=(), interrupted=False, heard_text="",
                timings=None, state=None) -> CallTurn:
    """Appends a turn (numbered under a lock on the call, so concurrent writers never collide) and,
    when given, the engine state the call resumes from."""
    locked = Call.objects.select_for_update().get(pk=call.pk)
    index = locked.turns.count()
    timings = timings or {}
    turn = CallTurn.objects.create(
        call=locked, index=index, speaker=speaker, text=text, node_id=node_id or "", actions=list(actions),
        interrupted=interrupted, heard_text=heard_text,
        **{name: timings[name] for name in TIMING_FIELDS if timings.get(name) is not None},
    )
    if state is not None:
        locked.state = call.state = state
        locked.save(update_fields=["state"])
    return turn


@transaction.atomic
def finish_call(call: Call, *, status=Call.Status.COMPLETED, end_reason="") -> Call:
    """Idempotent: a call already finished keeps its first outcome."""
    locked = Call.objects.select_for_update().get(pk=call.pk)
    if locked.is_finished:
        return locked
    now = timezone.now()
    locked.status, locked.end_reason, locked.ended_at = status, end_reason, now
    if locked.started_at:
        locked.duration_seconds = round((now - locked.started_at).total_seconds())
    locked.save(update_fields=["status", "end_reason", "ended_at", "duration_seconds"])
    return locked
