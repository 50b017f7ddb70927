"""One conversation engine for flow nodes and LLM conversation.

`Engine.start` and `Engine.handle` are pure functions of (agent, flow, state, event) apart from the provider
interfaces (LLM, knowledge retrieval) and action handlers: the state they return is all they need next turn,
so a call can move between processes. Flow nodes are deterministic; `llm` nodes use tool calling.
"""

import json
import logging
import time

from agents.flows import FlowValidationError, require_valid
from agents.flows.conditions import best_intent, matches, yes_no
from agents.flows.variables import flatten, render
from agents.providers.base import Expectation, ToolSpec
from compliance import opt_out

from .actions import ActionRegistry, registry
from .types import ActionContext, ActionResult, AgentConfig, EngineResult, Event

log = logging.getLogger(__name__)

STATE_VERSION = 1
HISTORY_LIMIT = 40
INTERRUPTIONS_LIMIT = 20
MAX_TOOL_ROUNDS = 3
# Training examples in the LLM's prompt: the most recent few, within a size budget (each side of one
# example is shortened to EXAMPLE_TEXT_CHARS) so they cannot crowd out the instructions or the context window.
EXAMPLES_LIMIT = 10
EXAMPLES_CHARS = 3000
EXAMPLE_TEXT_CHARS = 400
DEFAULT_MAX_LLM_TURNS = 20
# A validated flow cannot run away (loops are bounded); this only guards a flow that bypassed validation.
MAX_STEPS_PER_TURN = 500

COMPLETE_GOAL = ToolSpec(
    "complete_goal",
    "Call this once the goal of this part of the conversation is reached, with a one-line summary of the outcome.",
    {
        "type": "object",
        "properties": {"summary": {"type": "string"}},
        "required": ["summary"],
        "additionalProperties": False,
    },
)
EXPECT_CLASSES = {"yes_no", "digits", "number", "date", "time", "name"}

SAY_REPROMPT = "Sorry, I didn't catch that. {question}"
SAY_STILL_THERE = "Are you still there?"
SAY_SILENCE_GOODBYE = "I haven't heard anything, so I'll end the call now. Goodbye!"
SAY_TROUBLE = "I'm sorry, I'm having trouble on my side."
SAY_TRANSFERRING = "Let me transfer you to someone who can help."
SAY_CALL_BACK = "Please call back a little later. Goodbye!"
# The question that asks for consent to record, before the flow (ids of flow nodes start with a letter).
CONSENT_NODE = "$recording_consent"
SAY_OPTED_OUT = "Understood. We've taken your number off our list, and you won't be called again. Goodbye!"


def implicit_flow(agent: AgentConfig) -> dict:
    """The flow of an agent without a call template: one free conversation towards its system prompt's goal."""
    return {
        "schema_version": 1,
        "nodes": [
            {
                "id": "conversation",
                "type": "llm",
                "start": True,
                "goal": "Help the caller as described in your instructions; end the call when they are done.",
                "tools": list(agent.tools_enabled),
                "max_turns": 50,
            }
        ],
    }


class _Turn:
    """The mutable working set of one engine call; the caller's state dict is never modified."""

    def __init__(self, agent: AgentConfig, flow: dict, state: dict):
        self.agent = agent
        self.nodes = {node["id"]: node for node in flow["nodes"]}
        self.opt_out_node = flow.get("on_opt_out")
        if agent.consent_question:
            start = next((node["id"] for node in flow["nodes"] if node.get("start")), None)
            self.nodes[CONSENT_NODE] = consent_node(agent.consent_question, start)
        self.state = {
            **state,
            "answers": dict(state["answers"]),
            "visits": dict(state["visits"]),
            "history": list(state["history"]),
            "interruptions": list(state["interruptions"]),
        }
        self.utterances: list[str] = []
        self.actions: list[dict] = []
        self.timings = {"llm_ms": 0.0, "actions_ms": 0.0, "knowledge_ms": 0.0}
        self.started = time.perf_counter()

    # -- values -------------------------------------------------------------------------------------------
    def values(self) -> dict:
        return {**self.state["context"], **{f"answers.{k}": v for k, v in self.state["answers"].items()}}

    def say(self, text: str, record: bool = True):
        text = (text or "").strip()
        if not text:
            return
        self.utterances.append(text)
        if record:
            history = self.state["history"]
            last = history[-1] if history else None
            if last and last["role"] == "assistant" and not last.get("tool_calls") and last.get("content"):
                history[-1] = {"role": "assistant", "content": f"{last['content']} {text}"}
            else:
                history.append({"role": "assistant", "content": text})

    def end(self, reason: str, goodbye: str = ""):
        self.say(goodbye)
        self.state["ended"] = True
        self.state["end_reason"] = reason

    @property
    def ended(self) -> bool:
        return self.state["ended"]

    def result(self) -> EngineResult:
        history = self.state["history"]
        if len(history) > HISTORY_LIMIT:
            del history[: len(history) - HISTORY_LIMIT]
            # A tool reply without the assistant message that asked for it is rejected by chat APIs.
            while history and history[0]["role"] == "tool":
                history.pop(0)
        total = (time.perf_counter() - self.started) * 1000
        external = self.timings["llm_ms"] + self.timings["actions_ms"] + self.timings["knowledge_ms"]
        timings = {
            "engine_ms": round(max(total - external, 0.0), 3),
            **{k: round(v, 3) for k, v in self.timings.items()},
        }
        node = self.nodes.get(self.state["node"])
        return EngineResult(
            utterances=self.utterances,
            actions=self.actions,
            state=self.state,
            ended=self.state["ended"],
            end_reason=self.state["end_reason"],
            node_id=self.state["node"],
            expect=Expectation() if self.ended or node is None else expectation(node),
            timings=timings,
        )


def expectation(node: dict) -> Expectation:
    """What the caller may say next, for constrained recognition: from a question node's `expect`."""
    if node["type"] != "question":
        return Expectation()
    expect = node.get("expect") or {}
    kind = expect.get("type", "open")
    # A recogniser held to the expected answers must still hear a caller who asks not to be called again.
    if kind == "options":
        return Expectation(phrases=tuple(expect["options"]) + opt_out.PHRASES)
    if kind in EXPECT_CLASSES:
        return Expectation(phrases=opt_out.PHRASES, classes=(kind,))
    return Expectation()


def consent_node(question: str, start: str | None) -> dict:
    """The consent question as a flow question: yes/no, by voice or keypad (1 yes, 2 no), then the flow's start."""
    return {
        "id": CONSENT_NODE,
        "type": "question",
        "text": question,
        "variable": "recording_consent",
        "expect": {"type": "yes_no"},
        "dtmf": {"1": "yes", "2": "no"},
        "next": start,
    }


def claims_digits(node: dict, digits: str) -> bool:
    """Whether a question takes `digits` as its own answer (so they are not the keypad opt-out there)."""
    if node["type"] != "question":
        return False
    expect = node.get("expect") or {}
    if digits in node.get("dtmf", {}) or expect.get("type") in ("digits", "number"):
        return True
    options = expect.get("options", ()) if expect.get("type") == "options" else ()
    return digits.isdigit() and 1 <= int(digits) <= len(options)


def expectation_at(flow: dict | None, state: dict) -> Expectation:
    """What the caller may say next in a conversation stored as `state` (a resumed call's first turn)."""
    node = next((node for node in (flow or {}).get("nodes", []) if node["id"] == state.get("node")), None)
    return Expectation() if state.get("ended") or node is None else expectation(node)


def dtmf_answer(node: dict, digits: str) -> str:
    """The answer keypad digits give to a question: its `dtmf` map, option N, 1/2 for yes/no, else the digits."""
    digits = digits.rstrip("#")
    if digits in node.get("dtmf", {}):
        return node["dtmf"][digits]
    expect = node.get("expect") or {}
    if expect.get("type") == "options" and digits.isdigit() and 1 <= int(digits) <= len(expect["options"]):
        return expect["options"][int(digits) - 1]
    if expect.get("type") == "yes_no" and digits in ("1", "2"):
        return "yes" if digits == "1" else "no"
    return digits


class Engine:
    def __init__(self, llm=None, knowledge=None, actions: ActionRegistry = registry):
        self.llm = llm
        self.knowledge = knowledge
        self.actions = actions

    # -- public -------------------------------------------------------------------------------------------
    def start(self, agent: AgentConfig, flow: dict | None, variables: dict) -> EngineResult:
        """Begins a call: the greeting, then the flow from its start node up to the first question."""
        flow = flow or implicit_flow(agent)
        context = flatten(variables)
        context.setdefault("agent.name", agent.name)
        context.setdefault("company", agent.company)
        state = {
            "v": STATE_VERSION,
            "node": "",
            "context": context,
            "answers": {},
            "last_answer": "",
            "visits": {},
            "silence": 0,
            "llm_turns": 0,
            "history": [],
            "interruptions": [],
            "turn": 0,
            "ended": False,
            "end_reason": "",
        }
        try:
            require_valid(flow, known_variables=set(context), actions=self.actions)
        except FlowValidationError as exc:
            log.error("call started with an invalid flow: %s", exc)
            turn = _Turn(agent, {"nodes": []}, state)
            self._give_up(turn, "invalid_flow")
            return turn.result()
        turn = _Turn(agent, flow, state)
        turn.say(render(agent.disclosure, turn.values()))
        turn.say(render(agent.greeting, turn.values()))
        start = next(node["id"] for node in flow["nodes"] if node.get("start"))
        self._run(turn, CONSENT_NODE if agent.consent_question else start)
        return turn.result()

    def handle(self, agent: AgentConfig, flow: dict | None, state: dict, event: Event) -> EngineResult:
        """The agent's response to one event, from the state the previous result returned."""
        flow = flow or implicit_flow(agent)
        turn = _Turn(agent, flow, state)
        if turn.ended:
            return turn.result()
        turn.state["turn"] += 1
        node = turn.nodes.get(turn.state["node"])
        if node is None:
            self._give_up(turn, "invalid_flow")
        elif event.kind == "interruption":
            self._interrupted(turn, event.text)
        elif event.kind == "silence":
            self._silence(turn, node)
        elif event.kind in ("utterance", "dtmf"):
            turn.state["silence"] = 0
            source = self._opt_out_source(turn.agent, node, event)
            if source:
                said = event.text if event.kind == "utterance" else f"(pressed {event.digits} on the keypad)"
                turn.state["history"].append({"role": "user", "content": said})
                self._opt_out(turn, node, source, said)
            elif event.kind == "dtmf" and node["type"] == "question":
                text = dtmf_answer(node, event.digits)
                turn.state["history"].append({"role": "user", "content": f"(keypad {event.digits}) {text}"})
                self._answer(turn, node, text)
            else:
                text = event.text if event.kind == "utterance" else f"(pressed {event.digits} on the keypad)"
                turn.state["history"].append({"role": "user", "content": text})
                self._answer(turn, node, text)
        else:
            raise ValueError(f"unknown event kind {event.kind!r}")
        return turn.result()

    # -- events -------------------------------------------------------------------------------------------
    @staticmethod
    def _opt_out_source(agent: AgentConfig, node: dict, event: Event) -> str:
        """The DNC source if the caller asks not to be called again (in words, or the tenant's digit), else ""."""
        if event.kind == "utterance":
            return opt_out.SPOKEN if opt_out.is_opt_out_request(event.text) else ""
        digits = event.digits.rstrip("#")
        if agent.opt_out_digit and digits == agent.opt_out_digit and not claims_digits(node, digits):
            return opt_out.KEYPAD
        return ""

    def _opt_out(self, turn: _Turn, node: dict, source: str, said: str):
        """Whatever the node: the flow's own opt-out path if it has one, then the `opt_out` action (unless that
        path performed it) and the end of the call, with a confirmation unless the path said goodbye."""
        turn.state["opt_out"] = {"source": source, "said": said}
        if turn.opt_out_node:
            self._run(turn, turn.opt_out_node)
        if not any(action["name"] == "opt_out" for action in turn.actions):
            if not turn.ended:
                turn.say(SAY_OPTED_OUT)
            self._perform(turn, "opt_out", {}, node["id"])
        turn.state["ended"], turn.state["end_reason"] = True, "opted_out"

    def _answer(self, turn: _Turn, node: dict, text: str):
        turn.state["last_answer"] = text
        if node["id"] == CONSENT_NODE:
            # Only a clear yes is consent: an answer that is neither keeps the call unrecorded.
            granted = yes_no(text) is True
            turn.state["answers"][node["variable"]] = "yes" if granted else "no"
            turn.actions.append(
                {
                    "name": "recording_consent",
                    "params": {},
                    "ok": True,
                    "data": {"granted": granted, "answer": text},
                    "external": True,
                }
            )
            self._run(turn, node["next"])
        elif node["type"] == "question":
            turn.state["answers"][node["variable"]] = text
            self._run(turn, node.get("next"))
        else:
            self._llm_turn(turn, node, text)

    def _silence(self, turn: _Turn, node: dict):
        turn.state["silence"] += 1
        if turn.state["silence"] > turn.agent.max_silence_prompts:
            turn.end("silence", SAY_SILENCE_GOODBYE)
        elif node["type"] == "question":
            question = render(node["text"], turn.values())
            turn.say(
                render(node["reprompt"], turn.values())
                if node.get("reprompt")
                else SAY_REPROMPT.format(question=question)
            )
        else:
            turn.say(SAY_STILL_THERE)

    def _interrupted(self, turn: _Turn, heard: str):
        """Keeps what the caller actually heard, so the record and the LLM's memory match the call."""
        turn.state["interruptions"] = (
            turn.state["interruptions"] + [{"turn": turn.state["turn"], "node": turn.state["node"], "heard": heard}]
        )[-INTERRUPTIONS_LIMIT:]
        history = turn.state["history"]
        for i in range(len(history) - 1, -1, -1):
            if history[i]["role"] == "assistant" and history[i].get("content"):
                history[i] = {**history[i], "content": f"{heard} [interrupted by the caller]".strip()}
                break

    # -- flow ---------------------------------------------------------------------------------------------
    def _run(self, turn: _Turn, node_id: str | None):
        """Walks the flow from `node_id` until a node waits for the caller or the call ends."""
        for _ in range(MAX_STEPS_PER_TURN):
            if turn.ended:
                return
            node = turn.nodes.get(node_id) if node_id else None
            if node is None:
                self._finish(turn)
                return
            visits = turn.state["visits"].get(node_id, 0) + 1
            if "max_visits" in node and visits > node["max_visits"]:
                node_id = node["on_max_visits"]
                continue
            turn.state["visits"][node_id] = visits
            turn.state["node"] = node_id
            kind = node["type"]
            if kind == "message":
                turn.say(render(node["text"], turn.values()))
                node_id = node.get("next")
            elif kind == "question":
                turn.say(render(node["text"], turn.values()))
                return
            elif kind == "condition":
                node_id = self._branch(turn, node)
            elif kind == "action":
                node_id = self._action_node(turn, node)
            else:
                turn.state["llm_turns"] = 0
                turn.say(render(node.get("text", ""), turn.values()))
                return
        self._give_up(turn, "runaway_flow")

    def _finish(self, turn: _Turn):
        turn.end("completed", turn.agent.goodbye_message)

    def _branch(self, turn: _Turn, node: dict) -> str:
        subject_name = node.get("subject")
        if subject_name:
            subject = turn.values().get(subject_name, "")
        else:
            subject = turn.state["last_answer"]
        intent = best_intent(str(subject), node["branches"])
        for branch in node["branches"]:
            if matches(branch, subject, intent):
                return branch["next"]
        return node["else"]

    def _action_node(self, turn: _Turn, node: dict) -> str | None:
        turn.say(render(node.get("text", ""), turn.values()))
        params = render(node.get("params", {}), turn.values())
        result = self._perform(turn, node["action"], params, node["id"])
        if node["action"] == "lookup_knowledge" and result.ok and self.llm is not None:
            store = self.actions.spec("lookup_knowledge").provides(params)[0]
            answers = turn.state["answers"]
            answers[store] = self._compose_answer(turn, params.get("query", ""), result.data["chunks"], answers[store])
        turn.say(result.say)
        if result.end_call or result.transfer_to:
            turn.end("transfer" if result.transfer_to else result.data.get("reason", "completed"))
            return None
        if result.ok:
            return node.get("next")
        if node.get("on_failure") or node.get("next"):
            return node.get("on_failure") or node.get("next")
        # A failed ending action (e.g. a transfer with no number): end the call politely rather than hang.
        turn.end("action_failed", turn.agent.goodbye_message)
        return None

    def _perform(self, turn: _Turn, name: str, params: dict, node_id: str) -> ActionResult:
        """Runs an action, stores what it provides into answers, and records it for the caller of the engine."""
        if name == "opt_out":
            # Who asked, and how: from the words or keypad that triggered it, else the caller's last answer.
            params = {"source": opt_out.SPOKEN, "said": turn.state["last_answer"], **turn.state.get("opt_out", {})}
        ctx = ActionContext(
            agent=turn.agent, node_id=node_id, variables=turn.values(), knowledge=self._timed_knowledge(turn)
        )
        started = time.perf_counter()
        result = self.actions.run(name, ctx, params)
        turn.timings["actions_ms"] += (time.perf_counter() - started) * 1000
        spec = self.actions.spec(name) if name in self.actions else None
        if spec is not None:
            for variable in spec.provides(params):
                if variable in result.data:
                    turn.state["answers"][variable] = _spoken(result.data[variable])
        turn.actions.append(
            {
                "name": name,
                "params": params,
                "ok": result.ok,
                "data": result.data,
                "external": bool(spec and spec.external and result.ok),
            }
        )
        return result

    def _timed_knowledge(self, turn: _Turn):
        if self.knowledge is None:
            return None

        def retrieve(query: str) -> list[str]:
            started = time.perf_counter()
            try:
                return list(self.knowledge(query))
            except Exception:
                log.exception("knowledge retrieval failed")
                return []
            finally:
                turn.timings["knowledge_ms"] += (time.perf_counter() - started) * 1000

        return retrieve

    def _compose_answer(self, turn: _Turn, query: str, chunks: list[str], fallback: str) -> str:
        """A short spoken answer to the caller's question from retrieved chunks (the best chunk if the LLM fails)."""
        messages = [
            {
                "role": "system",
                "content": (
                    f"You are {turn.agent.name}, a phone assistant for {turn.agent.company}. Answer the caller's question "
                    "in one or two short spoken sentences, using only these notes:\n" + _notes(chunks)
                ),
            },
            {"role": "user", "content": query},
        ]
        chat = self._chat(turn, messages, [])
        return chat.text.strip() if chat is not None and chat.text.strip() else fallback

    # -- llm ----------------------------------------------------------------------------------------------
    def _llm_turn(self, turn: _Turn, node: dict, text: str):
        exit_when = node.get("exit_when")
        if exit_when and matches(exit_when, text, best_intent(text, [exit_when])):
            self._leave_llm(turn, node)
            return
        turn.state["llm_turns"] += 1
        if turn.state["llm_turns"] > node.get("max_turns", DEFAULT_MAX_LLM_TURNS):
            self._leave_llm(turn, node)
            return
        if self.llm is None:
            self._give_up(turn, "llm_unavailable")
            return
        retrieve = self._timed_knowledge(turn)
        chunks = retrieve(text) if retrieve else []
        tools, unavailable = self._tools(turn.agent, node)
        system = {"role": "system", "content": self._system_prompt(turn, node, chunks, unavailable)}
        tool_specs = [self.actions.spec(name).tool() for name in tools] + [COMPLETE_GOAL]
        history = turn.state["history"]
        for _ in range(MAX_TOOL_ROUNDS):
            chat = self._chat(turn, [system, *history], tool_specs)
            if chat is None:
                self._give_up(turn, "llm_error")
                return
            if not chat.tool_calls:
                turn.say(chat.text or SAY_TROUBLE)
                return
            turn.say(chat.text, record=False)
            history.append(
                {
                    "role": "assistant",
                    "content": chat.text or None,
                    "tool_calls": [
                        {
                            "id": call.id,
                            "type": "function",
                            "function": {"name": call.name, "arguments": json.dumps(call.arguments, sort_keys=True)},
                        }
                        for call in chat.tool_calls
                    ],
                }
            )
            goal_summary = None
            for call in chat.tool_calls:
                reply = self._tool_call(turn, node, call, tools)
                if call.name == COMPLETE_GOAL.name and reply["ok"]:
                    goal_summary = str(call.arguments.get("summary", ""))
                history.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(reply, sort_keys=True)})
            if turn.ended:
                if not chat.text and turn.state["end_reason"] != "transfer":
                    turn.say(turn.agent.goodbye_message)
                return
            if goal_summary is not None:
                if node.get("store"):
                    turn.state["answers"][node["store"]] = goal_summary
                self._leave_llm(turn, node)
                return
        turn.say(SAY_TROUBLE)

    def _tool_call(self, turn: _Turn, node: dict, call, tools: list[str]) -> dict:
        """Performs one tool call of the LLM; the reply (JSON) tells the LLM what happened."""
        if call.name == COMPLETE_GOAL.name:
            return {"ok": True}
        if call.name not in tools:
            return {"ok": False, "error": f"{call.name} is not available on this call; tell the caller honestly."}
        problems = self.actions.spec(call.name).check_arguments(call.arguments)
        if problems:
            return {"ok": False, "error": "invalid arguments: " + "; ".join(problems)}
        result = self._perform(turn, call.name, call.arguments, node["id"])
        if result.end_call or result.transfer_to:
            turn.say(result.say)
            turn.end("transfer" if result.transfer_to else result.data.get("reason", "completed"))
        reply = {"ok": result.ok, "data": result.data}
        if result.say:
            reply["message"] = result.say
        return reply

    def _tools(self, agent: AgentConfig, node: dict) -> tuple[list[str], list[str]]:
        """(tools offered to the LLM, tools it would have but whose handler is missing)."""
        wanted = node.get("tools", agent.tools_enabled)
        names = [n for n in wanted if n in self.actions and self.actions.spec(n).llm_callable]
        return (
            [n for n in names if self.actions.spec(n).available],
            [n for n in names if not self.actions.spec(n).available],
        )

    def _system_prompt(self, turn: _Turn, node: dict, chunks: list[str], unavailable: list[str]) -> str:
        values = turn.values()
        agent = turn.agent
        parts = [
            render(agent.system_prompt, values) or f"You are {agent.name}, a phone assistant for {agent.company}.",
            "You are speaking on the phone: answer in short, natural spoken sentences.",
            f"Goal of this part of the call: {render(node['goal'], values)}",
            f"When the goal is reached, call {COMPLETE_GOAL.name}.",
        ]
        if node.get("instructions"):
            parts.append(render(node["instructions"], values))
        known = {k: v for k, v in values.items() if k.startswith(("contact.", "answers."))}
        if known:
            parts.append("What is known so far: " + "; ".join(f"{k} = {v}" for k, v in sorted(known.items())))
        for name in unavailable:
            parts.append(f"You cannot {name.replace('_', ' ')} on this call; if asked, say so honestly.")
        if chunks:
            parts.append(
                "Relevant facts from the business's knowledge base (use them; do not invent others):\n" + _notes(chunks)
            )
        if agent.examples:
            parts.append(_examples(agent.examples))
        return "\n".join(parts)

    def _chat(self, turn: _Turn, messages: list[dict], tools: list[ToolSpec]):
        started = time.perf_counter()
        try:
            return self.llm.chat(
                messages,
                tools=tools,
                model=turn.agent.llm_model,
                temperature=turn.agent.temperature,
                max_tokens=turn.agent.max_tokens,
            )
        except Exception:
            log.exception("LLM call failed")
            return None
        finally:
            turn.timings["llm_ms"] += (time.perf_counter() - started) * 1000

    def _leave_llm(self, turn: _Turn, node: dict):
        if node.get("next"):
            self._run(turn, node["next"])
        else:
            self._finish(turn)

    def _give_up(self, turn: _Turn, reason: str):
        """The engine cannot go on: apologise, and hand the caller to a person when the agent has a number."""
        turn.say(SAY_TROUBLE)
        if turn.agent.transfer_number:
            turn.say(SAY_TRANSFERRING)
            turn.actions.append(
                {
                    "name": "transfer",
                    "params": {"to": turn.agent.transfer_number},
                    "ok": True,
                    "data": {"to": turn.agent.transfer_number, "reason": reason},
                    "external": True,
                }
            )
            turn.end(reason)
        else:
            turn.end(reason, SAY_CALL_BACK)


def _examples(examples) -> str:
    lines, size = [], 0
    for caller, reply in examples[:EXAMPLES_LIMIT]:
        line = (
            f'- Caller: "{_shorten(caller)}" -> You: "{_shorten(reply)}"'
            if caller.strip()
            else f'- Opening the conversation -> You: "{_shorten(reply)}"'
        )
        if size + len(line) > EXAMPLES_CHARS:
            break
        lines.append(line)
        size += len(line)
    return (
        "Replies the business prefers, corrected on past calls (answer similar requests the same way):\n"
        + "\n".join(lines)
    )


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXAMPLE_TEXT_CHARS else text[: EXAMPLE_TEXT_CHARS - 1] + "…"


def _notes(chunks: list[str]) -> str:
    return "\n".join(f"- {chunk.strip()}" for chunk in chunks)


def _spoken(value) -> str | int | float:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return value if isinstance(value, (str, int, float)) else str(value)
