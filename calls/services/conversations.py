"""Text conversations with an agent kept as test calls: the store agents' sandbox and agent tests use
(agents.services.conversation_store, registered in calls/apps.py)."""

from calls import selectors
from calls.models import Call, CallTurn
from calls.services.lifecycle import finish_call, record_turn, start_call


def start(*, agent, flow_version) -> Call:
    return start_call(direction=Call.Direction.SANDBOX, agent=agent, flow_version=flow_version, is_test=True)


def get(*, agent, session_id) -> Call | None:
    return Call.objects.filter(pk=session_id, agent=agent, direction=Call.Direction.SANDBOX).first()


def record(call: Call, *, caller_text, agent_text, node_id, actions, timings, state) -> None:
    if caller_text is not None:
        record_turn(call, speaker=CallTurn.Speaker.CALLER, text=caller_text)
    record_turn(
        call,
        speaker=CallTurn.Speaker.AGENT,
        text=agent_text,
        node_id=node_id,
        actions=actions,
        timings=timings,
        state=state,
    )


def finish(call: Call, *, end_reason: str) -> Call:
    return finish_call(call, end_reason=end_reason)


def training_examples(agent, *, limit: int) -> list[dict]:
    return selectors.training_examples(agent, limit=limit)
