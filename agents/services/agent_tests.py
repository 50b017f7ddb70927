"""Agent tests: scripted caller turns played through the sandbox, then expectations checked.

Expectation types (value needed unless noted):
- `reaches_node`: the flow passed through this node id;
- `performs_action`: this action ran and succeeded; `books_appointment` (no value) is `book_appointment`;
- `says` / `never_says`: some / no agent utterance contains this text (case-insensitive);
- `ends_call`: the call ended, with this end reason when a value is given.
"""

from agents.models import Agent, AgentTest, AgentTestRun
from agents.services import conversations

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


def run_test(test: AgentTest) -> AgentTestRun:
    """Plays the caller turns (stopping early if the call ends) and records a pass/fail per expectation."""
    agent = test.agent
    turn = conversations.start(agent, source="test")
    results = [turn.result]
    for text in test.caller_turns:
        if turn.result.ended:
            break
        turn = conversations.say(agent, turn.call, text, source="test")
        results.append(turn.result)
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
    return AgentTestRun.objects.create(
        test=test, call=turn.call, passed=all(r["passed"] for r in report), report=report
    )


def run_tests(tests) -> list[AgentTestRun]:
    return [run_test(test) for test in tests]
