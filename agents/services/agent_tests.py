"""Agent tests: scripted caller turns played through the sandbox, then expectations checked.

A test `by_voice` plays each caller turn as speech over the phone channel, as a call would: spoken by an offline
caller voice, carried as a phone call carries it (300–3400 Hz, 8 kHz mu-law: `audio.phone_line`), recognised by
the agent's STT with what its flow expects there; each of the agent's answers is synthesized by its TTS. The report
then says what was heard for each turn.

Expectation types (value needed unless noted):
- `reaches_node`: the flow passed through this node id;
- `performs_action`: this action ran and succeeded; `books_appointment` (no value) is `book_appointment`;
- `says` / `never_says`: some / no agent utterance contains this text (case-insensitive);
- `ends_call`: the call ended, with this end reason when a value is given.
"""

from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext

from agents import audio
from agents.models import Agent, AgentTest, AgentTestRun
from agents.providers import registry
from agents.services import conversations
from agents.services.credentials import build_provider

EXPECTATION_TYPES = {
    "reaches_node": True,
    "performs_action": True,
    "books_appointment": False,
    "says": True,
    "never_says": True,
    "ends_call": False,
}


def create_test(agent: Agent, **fields) -> AgentTest:
    return AgentTest.objects.create(agent=agent, **fields)


def update_test(test: AgentTest, **fields) -> AgentTest:
    for name, value in fields.items():
        setattr(test, name, value)
    test.save()
    return test


def delete_test(test: AgentTest) -> None:
    test.delete()


def _check(expectation, transcript):
    kind, value = expectation["type"], expectation.get("value", "")
    utterances = [u.lower() for u in transcript["utterances"]]
    succeeded = [a["name"] for a in transcript["actions"] if a["ok"]]
    if kind == "reaches_node":
        passed = value in transcript["nodes"]
        detail = f"visited: {', '.join(transcript['nodes']) or 'none'}"
    elif kind in ("performs_action", "books_appointment"):
        name = value if kind == "performs_action" else "book_appointment"
        passed = name in succeeded
        ran = [f"{a['name']} ({'ok' if a['ok'] else 'failed'})" for a in transcript["actions"]]
        detail = f"actions: {', '.join(ran) or 'none'}"
    elif kind == "says":
        passed = any(value.lower() in u for u in utterances)
        detail = "said" if passed else f"never said {value!r}"
    elif kind == "never_says":
        said = next((u for u in transcript["utterances"] if value.lower() in u.lower()), None)
        passed, detail = said is None, f"said: {said!r}" if said else "not said"
    else:
        passed = transcript["ended"] and (not value or transcript["end_reason"] == value)
        detail = f"ended: {transcript['end_reason']}" if transcript["ended"] else "the call did not end"
    return {"type": kind, "value": value, "passed": passed, "detail": detail}


# The caller's voice on a test by voice: offline, quick, and not the agent's own.
CALLER_VOICE = ("flite", "awb")


class PhoneLine:
    """The speech path of a call without its network: the caller's words spoken and carried as phone audio to the
    agent's recogniser, the agent's answers synthesized by its voice.

    The agent's answers are synthesized on a thread of their own while the caller's next turn is heard (nothing
    checked depends on their order): the voices run outside Python's lock (Festival's and flite's processes,
    Whisper's C++), so with a core free a test takes about the longer of the two instead of their sum. Use it as a
    context manager: leaving it waits for the agent's last words."""

    def __init__(self, agent: Agent):
        self.agent = agent
        self.caller = build_provider("tts", CALLER_VOICE[0])
        self.stt = build_provider("stt", agent.stt_provider or registry.default("stt"))
        self.tts = build_provider("tts", agent.tts_provider or registry.default("tts"))
        self._voice = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agent-test-voice")
        self._said: list[Future] = []

    def hear(self, text: str, expect) -> str:
        spoken = self.caller.synthesize(text, voice=CALLER_VOICE[1])
        heard = audio.phone_line(spoken)
        return self.stt.transcribe(heard, language=self.agent.language, expect=expect).text

    def say(self, utterances) -> None:
        """Starts saying the answers in the agent's voice, one after another."""
        self._said += [
            self._voice.submit(self.tts.synthesize, text, voice=self.agent.voice_id, language=self.agent.language)
            for text in utterances
        ]

    def __enter__(self) -> "PhoneLine":
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        """Waits for the agent's last words; a voice that could not say one raises its ProviderError here."""
        self._voice.shutdown(wait=True, cancel_futures=error is not None)
        if error is None:
            for said in self._said:
                said.result()


def run_test(test: AgentTest) -> AgentTestRun:
    """Plays the caller turns (stopping early if the call ends) and records a pass/fail per expectation; by voice,
    the report starts with what the agent heard for each turn."""
    agent = test.agent
    with PhoneLine(agent) if test.by_voice else nullcontext() as line:
        turn = conversations.start(agent, source="test")
        results = [turn.result]
        heard = []
        for text in test.caller_turns:
            if turn.result.ended:
                break
            if line is not None:
                line.say(turn.result.utterances)
                text = line.hear(text, turn.result.expect)
                heard.append(text)
            turn = conversations.say(agent, turn.call, text, source="test")
            results.append(turn.result)
        if line is not None:
            line.say(turn.result.utterances)
    transcript = {
        "nodes": list(
            dict.fromkeys(list(turn.result.state.get("visits", {})) + [r.node_id for r in results if r.node_id])
        ),
        "utterances": [u for r in results for u in r.utterances],
        "actions": [a for r in results for a in r.actions],
        "ended": turn.result.ended,
        "end_reason": turn.result.end_reason,
    }
    report = [_check(expectation, transcript) for expectation in test.expectations]
    passed = all(r["passed"] for r in report)
    if test.by_voice:
        report.insert(0, {"type": "heard", "value": "", "passed": True, "detail": " | ".join(heard)})
    return AgentTestRun.objects.create(test=test, call=turn.call, passed=passed, report=report)


def run_tests(tests) -> list[AgentTestRun]:
    return [run_test(test) for test in tests]
