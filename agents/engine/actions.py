"""The actions a flow or the LLM can take, as handlers in a registry each app fills in for its own actions.

Actions that touch the outside world (transfer, end_call, send_sms, webhook) are `external`: their handlers only
check and complete the parameters, and telephony performs them from `EngineResult.actions`. `set_variable` and
`lookup_knowledge` complete inside the engine. `take_message` belongs to calls (a note on the call), and
`book_appointment` and `check_availability` to scheduling; each app registers its handlers at start-up
(`registry.register("book_appointment", handler, owner="scheduling")`); until then they are unavailable and the
engine tells the caller so.
"""

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from jsonschema import Draft202012Validator

from agents.providers.base import ToolSpec
from compliance.opt_out import KEYPAD, SPOKEN

from .types import ActionContext, ActionResult

log = logging.getLogger(__name__)

Handler = Callable[[ActionContext, dict], ActionResult]


@dataclass(frozen=True)
class ActionSpec:
    name: str
    description: str
    parameters: dict  # JSON Schema of the params
    owner: str
    handler: Handler | None = None
    external: bool = False
    # Whether an LLM may call it; `llm_parameters` narrows what the LLM may choose (e.g. no SMS recipient).
    llm_callable: bool = True
    llm_parameters: dict | None = None
    # The answers.<name> variables the action sets, given its params: each is read from the result's `data`.
    provides: Callable[[dict], tuple[str, ...]] = lambda params: ()
    unavailable_message: str = "I'm sorry, I can't do that on this call right now."
    _validator: Draft202012Validator = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_validator", Draft202012Validator(self.llm_parameters or self.parameters))

    @property
    def available(self) -> bool:
        return self.handler is not None

    def tool(self) -> ToolSpec:
        return ToolSpec(self.name, self.description, self.llm_parameters or self.parameters)

    def check_params(self, params: dict) -> list[str]:
        """Problems a flow's params have at save time; values may still be {placeholders}, so no type checks."""
        problems = [f"missing parameter {name!r}" for name in self.parameters.get("required", ()) if name not in params]
        if self.parameters.get("additionalProperties") is False:
            allowed = self.parameters.get("properties", {})
            problems += [f"unknown parameter {name!r}" for name in params if name not in allowed]
        return problems

    def check_arguments(self, arguments: dict) -> list[str]:
        """Problems with arguments an LLM chose, against the full schema it was given."""
        return [e.message for e in self._validator.iter_errors(arguments)]


def _schema(properties: dict, required: tuple[str, ...] = ()) -> dict:
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}


_TEXT = {"type": "string"}
_BOOKING = {name: _TEXT for name in ("date", "time", "name", "phone", "email", "reason", "notes")}


class ActionRegistry:
    def __init__(self, specs: list[ActionSpec] = ()):
        self._specs = {spec.name: spec for spec in specs}

    def __contains__(self, name: str) -> bool:
        return name in self._specs

    def names(self) -> list[str]:
        return sorted(self._specs)

    def spec(self, name: str) -> ActionSpec:
        return self._specs[name]

    def copy(self) -> "ActionRegistry":
        return ActionRegistry(list(self._specs.values()))

    def register(self, name: str, handler: Handler | None, *, owner: str, **spec_fields) -> ActionSpec:
        """Sets (or replaces) the handler of an action; a new action also needs description and parameters."""
        current = self._specs.get(name)
        if current is None:
            spec = ActionSpec(name=name, owner=owner, handler=handler, **spec_fields)
        else:
            spec = replace(current, owner=owner, handler=handler, **spec_fields)
        self._specs[name] = spec
        return spec

    def run(self, name: str, ctx: ActionContext, params: dict) -> ActionResult:
        """Runs an action; an unknown, unavailable or failing one is a failed result, never an exception."""
        spec = self._specs.get(name)
        if spec is None:
            return ActionResult(ok=False, data={"error": "unknown_action"})
        if spec.handler is None:
            return ActionResult(ok=False, say=spec.unavailable_message, data={"error": "unavailable"})
        try:
            result = spec.handler(ctx, copy.deepcopy(params))
        except Exception:
            log.exception("action %s failed in node %s", name, ctx.node_id)
            return ActionResult(ok=False, say="I'm sorry, something went wrong on my side.", data={"error": "failed"})
        return result


def _end_call(ctx: ActionContext, params: dict) -> ActionResult:
    return ActionResult(ok=True, end_call=True, data={"reason": params.get("reason") or "completed"})


def _transfer(ctx: ActionContext, params: dict) -> ActionResult:
    to = params.get("to") or ctx.agent.transfer_number
    if not to:
        return ActionResult(
            ok=False, say="I'm sorry, I can't transfer your call right now.", data={"error": "no_transfer_number"}
        )
    return ActionResult(ok=True, transfer_to=to, data={"to": to, "reason": params.get("reason", "")})


def _opt_out(ctx: ActionContext, params: dict) -> ActionResult:
    """Telephony puts the other party's number on the tenant's DNC list (`calls.media.services.record_opt_out`)."""
    data = {"reason": "opted_out", "source": params.get("source") or SPOKEN, "said": params.get("said", "")}
    return ActionResult(ok=True, end_call=True, data=data)


def _send_sms(ctx: ActionContext, params: dict) -> ActionResult:
    to = params.get("to") or ctx.variables.get("contact.phone") or ctx.variables.get("call.from")
    body = (params.get("body") or "").strip()
    if not to or not body:
        return ActionResult(
            ok=False,
            say="I'm sorry, I couldn't send that text message.",
            data={"error": "no_recipient" if not to else "empty_body"},
        )
    return ActionResult(ok=True, data={"to": to, "body": body})


def _webhook(ctx: ActionContext, params: dict) -> ActionResult:
    url = params.get("url", "")
    if not url.startswith(("https://", "http://")):
        return ActionResult(ok=False, data={"error": "invalid_url"})
    return ActionResult(ok=True, data={"url": url, "payload": params.get("payload", {})})


def _set_variable(ctx: ActionContext, params: dict) -> ActionResult:
    return ActionResult(ok=True, data={params["name"]: params.get("value", "")})


def _lookup_knowledge(ctx: ActionContext, params: dict) -> ActionResult:
    store = params.get("store") or "knowledge"
    chunks = ctx.knowledge(params.get("query", "")) if ctx.knowledge else []
    return ActionResult(ok=bool(chunks), data={"chunks": list(chunks), store: chunks[0] if chunks else ""})


def default_specs() -> list[ActionSpec]:
    return [
        ActionSpec(
            "book_appointment",
            "Book an appointment for the caller once they have agreed to a date and time.",
            # A flow books the exact `start` it read back (resolve_slot's slot_start), or a date and time as said.
            _schema({**_BOOKING, "start": _TEXT}),
            owner="scheduling",
            llm_parameters=_schema(_BOOKING, ("date", "time")),
            provides=lambda params: ("appointment",),
            unavailable_message="I'm sorry, I can't book appointments on this line right now.",
        ),
        ActionSpec(
            "resolve_slot",
            "Work out the exact date and time the caller asked for, to read it back before booking.",
            _schema({"date": _TEXT, "time": _TEXT}, ("date", "time")),
            owner="scheduling",
            provides=lambda params: ("slot", "slot_start"),
            unavailable_message="I'm sorry, I can't book appointments on this line right now.",
        ),
        ActionSpec(
            "check_availability",
            "List the free appointment slots on a date (and near a time, if given).",
            _schema({"date": _TEXT, "time": _TEXT, "reason": _TEXT}, ("date",)),
            owner="scheduling",
            provides=lambda params: ("available_slots",),
            unavailable_message="I'm sorry, I can't check the calendar on this line right now.",
        ),
        ActionSpec(
            "transfer",
            "Transfer the caller to a person.",
            _schema({"to": _TEXT, "reason": _TEXT}),
            owner="calls",
            handler=_transfer,
            external=True,
            llm_parameters=_schema({"reason": _TEXT}),
        ),
        ActionSpec(
            "end_call",
            "End the call after saying goodbye.",
            _schema({"reason": _TEXT}),
            owner="calls",
            handler=_end_call,
            external=True,
        ),
        ActionSpec(
            "opt_out",
            "The caller asks not to be called again: put their number on the Do-Not-Call list and end the call.",
            _schema({"source": {"enum": [SPOKEN, KEYPAD]}, "said": _TEXT}),
            owner="compliance",
            handler=_opt_out,
            external=True,
            llm_parameters=_schema({}),
        ),
        ActionSpec(
            "send_sms",
            "Send the caller a text message.",
            _schema({"to": _TEXT, "body": _TEXT}, ("body",)),
            owner="calls",
            handler=_send_sms,
            external=True,
            llm_parameters=_schema({"body": _TEXT}, ("body",)),
        ),
        ActionSpec(
            "take_message",
            "Take a message from the caller for the staff, stored on the call.",
            _schema({"message": _TEXT, "name": _TEXT}, ("message",)),
            owner="calls",
            unavailable_message="I'm sorry, I can't take a message on this line right now.",
        ),
        ActionSpec(
            "webhook",
            "POST the call's data to a URL.",
            _schema({"url": {"type": "string", "pattern": "^https?://"}, "payload": {"type": "object"}}, ("url",)),
            owner="calls",
            handler=_webhook,
            external=True,
            llm_callable=False,
        ),
        ActionSpec(
            "set_variable",
            "Remember a value for later in the call.",
            _schema(
                {"name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"}, "value": _TEXT}, ("name", "value")
            ),
            owner="agents",
            handler=_set_variable,
            provides=lambda params: (params["name"],),
        ),
        ActionSpec(
            "lookup_knowledge",
            "Search the business's knowledge base to answer a question.",
            _schema({"query": _TEXT, "store": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"}}, ("query",)),
            owner="agents",
            handler=_lookup_knowledge,
            provides=lambda params: (params.get("store") or "knowledge",),
            llm_parameters=_schema({"query": _TEXT}, ("query",)),
        ),
    ]


registry = ActionRegistry(default_specs())
