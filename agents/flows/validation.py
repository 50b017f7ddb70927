"""Save-time validation of a flow: structure (JSON Schema), then graph, variables, actions and conditions.

Every error names the node it is about ("" for the flow as a whole), so an editor can point at it.
"""

import re
from dataclasses import dataclass

import orjson
from jsonschema import Draft202012Validator

from .schema import FLOW_SCHEMA, SCHEMA_VERSION, TERMINAL_ACTIONS
from .variables import DEFAULT_VARIABLES, names_in

_STRUCTURE = Draft202012Validator(FLOW_SCHEMA)


@dataclass(frozen=True)
class FlowError:
    node_id: str
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"node_id": self.node_id, "code": self.code, "message": self.message}


class FlowValidationError(ValueError):
    def __init__(self, errors: list[FlowError]):
        self.errors = errors
        super().__init__("; ".join(f"{e.node_id or 'flow'}: {e.message}" for e in errors))


def require_valid(flow: dict, known_variables: set[str] | None = None, actions=None) -> dict:
    errors = validate(flow, known_variables, actions)
    if errors:
        raise FlowValidationError(errors)
    return flow


def edges(node: dict) -> list[tuple[str, str]]:
    """(field, target id) for every outgoing edge of a node, in a stable order."""
    found = [(name, node[name]) for name in ("next", "on_failure", "else", "on_max_visits") if node.get(name)]
    found += [(f"branches[{i}].next", b["next"]) for i, b in enumerate(node.get("branches", ()))]
    return found


def is_branching(flow: dict) -> bool:
    """Whether the flow chooses its path by the caller's answers (a `condition` node): a plan feature."""
    return any(node.get("type") == "condition" for node in flow.get("nodes", ()))


def is_terminal(node: dict) -> bool:
    """A node the call may end at: an ending action, or an `llm` node with nowhere to go after its goal."""
    if node["type"] == "action":
        return node["action"] in TERMINAL_ACTIONS
    return node["type"] == "llm" and not node.get("next")


def validate(flow: dict, known_variables: set[str] | None = None, actions=None) -> list[FlowError]:
    """All the reasons `flow` cannot be saved; empty when it is valid.

    `known_variables` adds context variables (dotted names) to DEFAULT_VARIABLES; `answers.<name>` is known when
    a node of the flow sets it. `actions` is the action registry (the engine's by default).
    """
    if not isinstance(flow, dict):
        return [FlowError("", "invalid", "A flow must be a JSON object.")]
    if "schema_version" in flow and flow["schema_version"] != SCHEMA_VERSION:
        return [
            FlowError(
                "",
                "unsupported_version",
                f"Schema version {flow['schema_version']!r} is not supported (expected {SCHEMA_VERSION}).",
            )
        ]
    errors = list(_structure(flow))
    if errors:
        return errors
    if actions is None:
        from agents.engine.actions import registry as actions
    nodes = flow["nodes"]
    by_id: dict[str, dict] = {}
    for node in nodes:
        if node["id"] in by_id:
            errors.append(FlowError(node["id"], "duplicate_id", f"Node id {node['id']!r} is used more than once."))
        by_id[node["id"]] = node
    errors += _start(nodes)
    errors += _dangling(nodes, by_id)
    if flow.get("on_opt_out") and flow["on_opt_out"] not in by_id:
        errors.append(
            FlowError("", "dangling_edge", f"on_opt_out points to {flow['on_opt_out']!r}, which is not a node.")
        )
    errors += _actions(nodes, actions)
    errors += _conditions(nodes)
    if errors:
        return errors
    errors += _unreachable(nodes, by_id, flow.get("on_opt_out"))
    errors += _dead_ends(nodes)
    errors += _unbounded_loops(nodes, by_id)
    errors += _variables(nodes, set(DEFAULT_VARIABLES) | set(known_variables or ()), actions)
    return errors


def _structure(flow: dict) -> tuple[FlowError, ...]:
    """The JSON Schema errors, remembered by content: every call start validates its flow again (the variables
    it checks differ per call), and this part, a pure function of the flow, was most of that time (1.8 ms
    against 2 µs for the key). orjson refuses what is not JSON (keys that are not strings, sets, ...) and writes
    NaN as null: a flow with either is not remembered, so two different flows never share a key."""
    try:
        content = orjson.dumps(flow)
    except TypeError:
        return _schema_errors(flow)
    if b"null" in content:
        return _schema_errors(flow)
    errors = _REMEMBERED.get(content)
    if errors is None:
        if len(_REMEMBERED) >= _REMEMBER_AT_MOST:
            _REMEMBERED.clear()
        errors = _REMEMBERED[content] = _schema_errors(flow)
    return errors


_REMEMBER_AT_MOST = 256
_REMEMBERED: dict[bytes, tuple[FlowError, ...]] = {}


def _schema_errors(flow: dict) -> tuple[FlowError, ...]:
    errors = []
    nodes = flow.get("nodes") if isinstance(flow.get("nodes"), list) else []
    for error in sorted(_STRUCTURE.iter_errors(flow), key=lambda e: list(map(str, e.absolute_path))):
        path = list(error.absolute_path)
        node_id = ""
        if len(path) >= 2 and path[0] == "nodes" and isinstance(path[1], int):
            node = nodes[path[1]]
            node_id = str(node.get("id") or f"#{path[1]}") if isinstance(node, dict) else f"#{path[1]}"
            path = path[2:]
        where = ".".join(map(str, path))
        errors.append(FlowError(node_id, "invalid", f"{where}: {error.message}" if where else error.message))
    return tuple(errors)


def _start(nodes: list[dict]) -> list[FlowError]:
    starts = [n["id"] for n in nodes if n.get("start")]
    if not starts:
        return [FlowError("", "no_start", 'Mark exactly one node with "start": true.')]
    if len(starts) > 1:
        return [
            FlowError(node_id, "multiple_starts", f"Only one start node is allowed ({', '.join(starts)}).")
            for node_id in starts
        ]
    return []


def _dangling(nodes: list[dict], by_id: dict) -> list[FlowError]:
    return [
        FlowError(n["id"], "dangling_edge", f"{field} points to {target!r}, which is not a node of this flow.")
        for n in nodes
        for field, target in edges(n)
        if target not in by_id
    ]


def _actions(nodes: list[dict], actions) -> list[FlowError]:
    errors = []
    for node in nodes:
        if node["type"] == "action":
            name = node["action"]
            if name not in actions:
                errors.append(FlowError(node["id"], "unknown_action", f"Unknown action {name!r}."))
                continue
            for problem in actions.spec(name).check_params(node.get("params", {})):
                errors.append(FlowError(node["id"], "invalid_params", f"{name}: {problem}"))
        elif node["type"] == "llm":
            for tool in node.get("tools", ()):
                if tool not in actions:
                    errors.append(FlowError(node["id"], "unknown_action", f"Unknown tool {tool!r}."))
    return errors


def _conditions(nodes: list[dict]) -> list[FlowError]:
    errors = []
    for node in nodes:
        conditions = list(node.get("branches", ())) + ([node["exit_when"]] if "exit_when" in node else [])
        for condition in conditions:
            if condition["op"] == "regex":
                for pattern in [condition["value"]] if isinstance(condition["value"], str) else condition["value"]:
                    try:
                        re.compile(pattern)
                    except re.error as exc:
                        errors.append(
                            FlowError(
                                node["id"], "invalid_condition", f"Regular expression {pattern!r} is invalid: {exc}."
                            )
                        )
        if node["type"] == "condition" and node.get("subject", "").startswith("{"):
            errors.append(
                FlowError(
                    node["id"],
                    "invalid_condition",
                    "subject is a variable name such as answers.budget, without braces.",
                )
            )
    return errors


def _unreachable(nodes: list[dict], by_id: dict, opt_out: str | None) -> list[FlowError]:
    roots = [next(n["id"] for n in nodes if n.get("start"))] + ([opt_out] if opt_out else [])
    seen, stack = set(roots), list(roots)
    while stack:
        for _, target in edges(by_id[stack.pop()]):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return [
        FlowError(n["id"], "unreachable", "No path from the start node leads here.")
        for n in nodes
        if n["id"] not in seen
    ]


def _dead_ends(nodes: list[dict]) -> list[FlowError]:
    """Every path must reach an end: each node that does not end the call needs somewhere to go."""
    errors = []
    for node in nodes:
        if node["type"] == "condition" and not node.get("else"):
            errors.append(FlowError(node["id"], "dead_end", 'A condition needs an "else" node for unmatched answers.'))
        elif not is_terminal(node) and node["type"] != "condition" and not node.get("next"):
            errors.append(
                FlowError(node["id"], "dead_end", 'This node does not end the call, so it needs a "next" node.')
            )
    return errors


def _unbounded_loops(nodes: list[dict], by_id: dict) -> list[FlowError]:
    """A cycle must pass through a node with max_visits.

    Beyond its bound such a node follows on_max_visits instead of its other edges, so only those escape edges
    of bounded nodes (and every edge of unbounded ones) can be taken forever: they must form no cycle.
    """

    def unbounded_edges(node):
        if "max_visits" in node:
            return [node["on_max_visits"]]
        return [target for _, target in edges(node)]

    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    errors = []
    for root in by_id:
        if root in state:
            continue
        path, stack = [root], [iter(unbounded_edges(by_id[root]))]
        state[root] = 1
        while stack:
            target = next(stack[-1], None)
            if target is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(target) == 1:
                loop = path[path.index(target) :]
                errors.append(
                    FlowError(
                        target, "unbounded_loop", f"Loop {' → '.join(loop + [target])} has no node with max_visits."
                    )
                )
            elif target not in state:
                state[target] = 1
                path.append(target)
                stack.append(iter(unbounded_edges(by_id[target])))
    return errors


def defined_answers(nodes: list[dict], actions) -> set[str]:
    """The `answers.<name>` variables a flow sets: question answers, llm goal summaries and action outputs."""
    names = set()
    for node in nodes:
        if node["type"] == "question":
            names.add(node["variable"])
        elif node["type"] == "llm" and node.get("store"):
            names.add(node["store"])
        elif node["type"] == "action" and node["action"] in actions:
            names.update(actions.spec(node["action"]).provides(node.get("params", {})))
    return {f"answers.{name}" for name in names}


def _variables(nodes: list[dict], known: set[str], actions) -> list[FlowError]:
    known = known | defined_answers(nodes, actions)
    errors = []
    for node in nodes:
        used = names_in({k: v for k, v in node.items() if k in ("text", "reprompt", "params", "goal", "instructions")})
        if node["type"] == "condition" and node.get("subject"):
            used.add(node["subject"])
        for name in sorted(used - known):
            errors.append(FlowError(node["id"], "unknown_variable", f"Unknown variable {{{name}}}."))
    return errors
