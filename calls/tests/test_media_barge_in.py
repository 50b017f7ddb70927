"""Barge-in: the caller talks over the agent, who stops at once; the record keeps only what was played."""

import math
import struct

import pytest

from agents.providers.base import Audio
from calls.models import CallTurn
from calls.simulator import HangUp, Interrupt, WaitForAgent
from calls.tests.media_helpers import caller_says, heard, live_call, run_call, stored_call

pytestmark = [pytest.mark.usefixtures("committed_db"), pytest.mark.slow]

GREETING = (
    "Thank you for calling Acme Dental. This is Mia, the virtual receptionist. Are you calling to book an "
    "appointment, to ask a question, or to speak to someone at the front desk?"
)


def tone(ms: int, hz: int = 440, rate: int = 8000) -> Audio:
    """A short loud sound (a cough, a knock): louder than speech, shorter than a barge-in."""
    count = rate * ms // 1000
    return Audio(
        struct.pack(f"<{count}h", *(int(12000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(count))), rate
    )


async def test_caller_speech_during_the_greeting_clears_twilios_buffer():
    call = await live_call()
    result, _ = await run_call(call, [Interrupt(2500, caller_says("ask a question")), WaitForAgent(), HangUp()])
    assert result.clears == 1
    greeting, answer = result.answers
    assert greeting.cleared and 2500 <= greeting.ms < 4000
    assert heard(answer, "of course", "what would you like to know") == ["of course", "what would you like to know"]


async def test_the_interrupted_turn_keeps_only_what_the_caller_heard():
    call = await live_call()
    await run_call(call, [Interrupt(2500, caller_says("ask a question")), WaitForAgent(), HangUp()])
    _, turns = await stored_call("acme", call["id"])
    greeting = turns[0]
    assert greeting.text == GREETING and greeting.interrupted
    assert greeting.heard_text.startswith("Thank you for calling Acme Dental.")
    assert GREETING.startswith(greeting.heard_text) and len(greeting.heard_text) < len(GREETING) / 2
    assert [(turn.speaker, turn.text, turn.node_id) for turn in turns[1:]] == [
        (CallTurn.Speaker.CALLER, "ask a question", ""),
        (CallTurn.Speaker.AGENT, "Of course. What would you like to know?", "ask_question"),
    ]


async def test_the_engine_remembers_what_was_heard():
    call = await live_call()
    await run_call(call, [Interrupt(2500, caller_says("ask a question")), WaitForAgent(), HangUp()])
    stored, turns = await stored_call("acme", call["id"])
    [interruption] = stored.state["interruptions"]
    assert interruption["heard"] == turns[0].heard_text


async def test_a_short_sound_over_the_agent_does_not_interrupt():
    call = await live_call()
    result, _ = await run_call(call, [Interrupt(1000, tone(ms=140)), WaitForAgent(), HangUp()])
    assert result.clears == 0 and not result.answers[0].cleared
    _, turns = await stored_call("acme", call["id"])
    assert [turn.speaker for turn in turns] == [CallTurn.Speaker.AGENT] and not turns[0].interrupted
