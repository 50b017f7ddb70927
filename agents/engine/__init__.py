"""The conversation engine: `Engine(llm, knowledge, actions).start(...)` / `.handle(...)`. See docs/flows.md."""

from .actions import ActionRegistry, ActionSpec, registry
from .engine import EXAMPLES_LIMIT, Engine, expectation_at
from .types import ActionContext, ActionResult, AgentConfig, EngineResult, Event

__all__ = [
    "Engine",
    "AgentConfig",
    "Event",
    "EngineResult",
    "ActionContext",
    "ActionResult",
    "ActionRegistry",
    "ActionSpec",
    "registry",
    "EXAMPLES_LIMIT",
    "expectation_at",
]
