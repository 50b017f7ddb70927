"""Where text conversations with an agent (sandbox, agent tests, `manage.py talk`) are kept: as test calls, so they
can be reviewed like real ones. The calls app owns calls and registers its store at start-up (calls/apps.py);
agents, below calls, never imports it.

A session is whatever the store returns from `start` (a call); agents reads its `pk`, `is_finished`, `state` and
`flow_version`."""

from typing import Any, Protocol


class ConversationStore(Protocol):
    def start(self, *, agent, flow_version) -> Any: ...

    def get(self, *, agent, session_id) -> Any | None: ...

    def record(
        self, session, *, caller_text: str | None, agent_text: str, node_id, actions, timings, state
    ) -> None: ...

    def finish(self, session, *, end_reason: str) -> Any: ...

    def training_examples(self, agent, *, limit: int) -> list[dict]: ...


_store: ConversationStore | None = None


def register(store: ConversationStore) -> None:
    global _store
    _store = store


def store() -> ConversationStore:
    if _store is None:
        raise RuntimeError("No conversation store is registered: is the calls app installed?")
    return _store
