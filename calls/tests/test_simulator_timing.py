"""What the simulator measures of a turn: the agent's time, apart from the simulator's own delays.

The agent here is a fake transport on a fake clock: 20 ms pass with every frame the caller sends, and it
answers as soon as it has received the silence that ends a turn (as the media pipeline does).
"""

import asyncio
import base64
import types

import orjson
import pytest

from agents import audio
from agents.providers.base import Audio
from calls import simulator
from calls.media.vad import END_SILENCE_MS

TONE = Audio(b"\x00\x40" * 1600, 8000)  # 200 ms of loud samples
ANSWER = base64.b64encode(b"\x00" * 1600).decode()


class AgentOnAClock:
    """Answers once END_SILENCE_MS of silence followed speech; the caller's `stall_ms` (its own event loop
    busy) lands before the `stall_after`-th silent frame, and the agent takes `thinking_ms` to answer."""

    def __init__(self, *, stall_after: int = 0, stall_ms: float = 0, thinking_ms: float = 0):
        self.now = 0.0
        self.stall_after, self.stall_ms, self.thinking_ms = stall_after, stall_ms, thinking_ms
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.silent, self.spoke, self.answered = 0, False, False

    def clock(self) -> float:
        return self.now

    async def send(self, text: str) -> None:
        message = orjson.loads(text)
        if message["event"] == "stop":
            self.inbox.put_nowait(None)
        if message["event"] != "media":
            return
        self.now += 0.02
        if base64.b64decode(message["media"]["payload"]) != simulator.SILENCE_FRAME:
            self.spoke, self.silent = True, 0
            return
        if not self.spoke or self.answered:
            return
        self.silent += 1
        if self.silent == self.stall_after:
            self.now += self.stall_ms / 1000
        if self.silent == END_SILENCE_MS // audio.FRAME_MS:
            self.answered = True
            for reply in (
                {"event": "media", "streamSid": "MZ1", "media": {"payload": ANSWER}},
                {"event": "mark", "streamSid": "MZ1", "mark": {"name": "0.1.end"}},
            ):
                self.inbox.put_nowait(orjson.dumps(reply).decode())

    async def receive(self):
        message = await self.inbox.get()
        if message is not None and '"media"' in message:
            self.now += self.thinking_ms / 1000
        return message


async def run(agent: AgentOnAClock, monkeypatch):
    monkeypatch.setattr(simulator, "time", types.SimpleNamespace(monotonic=agent.clock))
    script = [simulator.Say(TONE, silence_ms=END_SILENCE_MS), simulator.WaitForAgent(), simulator.HangUp()]
    return await simulator.simulate(agent, script, call_id=1, tenant="acme", call_sid="CA1")


async def test_turn_overhead_is_the_time_from_the_turns_end_to_the_answer(monkeypatch):
    result = await run(AgentOnAClock(thinking_ms=35), monkeypatch)

    assert result.turn_overheads_ms == [pytest.approx(35)]
    assert result.turn_latencies_ms == [pytest.approx(END_SILENCE_MS + 35)]


async def test_the_simulators_own_delay_in_sending_silence_is_not_counted_as_turn_overhead(monkeypatch):
    result = await run(AgentOnAClock(stall_after=10, stall_ms=120, thinking_ms=5), monkeypatch)

    assert result.turn_overheads_ms == [pytest.approx(5)]
    assert result.turn_latencies_ms == [pytest.approx(END_SILENCE_MS + 120 + 5)]


async def test_an_answer_to_keypad_digits_has_no_turn_overhead(monkeypatch):
    agent = AgentOnAClock()
    monkeypatch.setattr(simulator, "time", types.SimpleNamespace(monotonic=agent.clock))
    agent.spoke = True  # the agent answers the silence after the digit, as after speech
    # The digit's own tick and the pause: the silence the agent answers after.
    script = [
        simulator.Press("1"),
        simulator.Pause(END_SILENCE_MS - audio.FRAME_MS),
        simulator.WaitForAgent(),
        simulator.HangUp(),
    ]

    result = await simulator.simulate(agent, script, call_id=1, tenant="acme", call_sid="CA1")

    assert len(result.turn_latencies_ms) == 1
    assert result.turn_overheads_ms == []
