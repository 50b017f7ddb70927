"""Engine overhead per turn (p50/p99) in flow and LLM modes, with instant fake providers.

    .venv/bin/python bench/engine_turn.py [--calls 300]

Goal: p99 < 5 ms. The figure is `timings["engine_ms"]`, which excludes time spent inside providers and actions.
"""

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.engine import ActionResult, AgentConfig, Engine, Event, registry  # noqa: E402
from agents.library import template  # noqa: E402
from agents.providers.base import ChatResult, ToolCall  # noqa: E402

AGENT = AgentConfig(
    name="Ava",
    company="Acme",
    greeting="Hi, this is Ava.",
    system_prompt="You are Ava.",
    tools_enabled=("book_appointment", "lookup_knowledge", "end_call"),
    transfer_number="+15550100",
)
SCRIPT = [
    Event.utterance("book an appointment"),
    Event.utterance("Ann Lee"),
    Event.utterance("a check-up"),
    Event.utterance("Tuesday"),
    Event.utterance("11am"),
    Event.utterance("yes"),
    Event.dtmf("2"),
    Event.utterance("Do you take Aetna?"),
    Event.silence(),
    Event.utterance("no"),
]


class InstantLLM:
    """Answers at once; every third request asks for a tool, as a real conversation would now and then."""

    def __init__(self):
        self.count = 0

    def chat(self, messages, *, tools=(), model="", temperature=0.2, max_tokens=300):
        self.count += 1
        if self.count % 3 == 0 and messages[-1]["role"] == "user":
            return ChatResult(tool_calls=[ToolCall(f"c{self.count}", "lookup_knowledge", {"query": "hours"})])
        return ChatResult(text="Sure, we are open from eight to six on weekdays, and I can book you in.")


def actions():
    bench_actions = registry.copy()
    # What the scheduling app's action gives the flow (the template speaks the day and the slots).
    bench_actions.register(
        "check_availability",
        lambda ctx, p: ActionResult(
            True, data={"available_slots": "9am", "available_day": "Tuesday", "available_date": "2030-01-08"}
        ),
        owner="bench",
        provides=lambda params: ("available_slots", "available_day", "available_date", "offered_slots"),
    )
    bench_actions.register(
        "book_appointment", lambda ctx, p: ActionResult(True, data={"appointment": "ok"}), owner="bench"
    )
    return bench_actions


def knowledge(query):
    return ["We are open 8am to 6pm on weekdays.", "Parking is free.", "We accept most insurance plans."]


def flow_mode(calls: int) -> list[float]:
    entry = template("medical-receptionist")
    engine = Engine(knowledge=knowledge, actions=actions())
    timings = []
    for _ in range(calls):
        result = engine.start(AGENT, entry["flow"], {"contact": {"name": "Ann"}})
        for event in SCRIPT:
            if result.ended:
                break
            result = engine.handle(AGENT, entry["flow"], result.state, event)
            timings.append(result.timings["engine_ms"])
    return timings


def llm_mode(calls: int, turns: int = 20) -> list[float]:
    engine = Engine(llm=InstantLLM(), knowledge=knowledge, actions=actions())
    timings = []
    for _ in range(calls):
        result = engine.start(AGENT, None, {"contact": {"name": "Ann"}})
        for turn in range(turns):
            result = engine.handle(AGENT, None, result.state, Event.utterance(f"Question number {turn} about hours"))
            timings.append(result.timings["engine_ms"])
    return timings


def report(mode: str, timings: list[float]):
    if not timings:
        raise SystemExit(f"{mode}: no turn was timed (the conversation ended at its start)")
    ordered = sorted(timings)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(
        f"{mode:5} turns={len(ordered):6d}  p50={p50:.3f} ms  p99={p99:.3f} ms  max={ordered[-1]:.3f} ms  "
        f"{'OK' if p99 < 5 else 'OVER'} (goal p99 < 5 ms)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    report("flow", flow_mode(args.calls))
    report("llm", llm_mode(args.calls // 3 or 1))


if __name__ == "__main__":
    main()
