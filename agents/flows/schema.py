"""The versioned JSON Schema of a call template's flow graph.

Structure only: graph rules (one start, no dangling edges, reachability, bounded loops, every path reaching an
end), variables and action names are checked in `validation.py`. Bump SCHEMA_VERSION on any change an existing flow could break on.
"""

SCHEMA_VERSION = 1

NODE_TYPES = ("message", "question", "condition", "action", "llm")
EXPECT_TYPES = ("open", "options", "yes_no", "digits", "number", "date", "time", "name")
TEXT_OPS = ("contains", "equals", "regex")
NUMBER_OPS = ("eq", "lt", "lte", "gt", "gte")
CONDITION_OPS = TEXT_OPS + NUMBER_OPS + ("intent", "yes", "no")
# Actions after which the call is over (on success): they need no `next`.
TERMINAL_ACTIONS = ("end_call", "transfer", "opt_out")

_ID = {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_-]{0,63}$"}
_VAR = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"}
_TEXT = {"type": "string", "minLength": 1, "maxLength": 2000}
_STRINGS = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
    ]
}

CONDITION = {
    "type": "object",
    "required": ["op"],
    "properties": {
        "op": {"enum": list(CONDITION_OPS)},
        "value": {},
        "examples": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
    },
    "allOf": [
        {
            "if": {"properties": {"op": {"enum": list(TEXT_OPS)}}},
            "then": {"required": ["value"], "properties": {"value": _STRINGS}},
        },
        {
            "if": {"properties": {"op": {"enum": list(NUMBER_OPS)}}},
            "then": {"required": ["value"], "properties": {"value": {"type": "number"}}},
        },
        {
            "if": {"properties": {"op": {"const": "intent"}}},
            "then": {"required": ["value", "examples"], "properties": {"value": {"type": "string", "minLength": 1}}},
        },
    ],
}

_COMMON = {
    "id": _ID,
    "type": {"enum": list(NODE_TYPES)},
    "start": {"type": "boolean"},
    "max_visits": {"type": "integer", "minimum": 1, "maximum": 100},
    "on_max_visits": _ID,
    "label": {"type": "string", "maxLength": 200},
    "x": {"type": "number"},
    "y": {"type": "number"},
}


def _node(type_, required, properties):
    return {
        "if": {"properties": {"type": {"const": type_}}},
        "then": {
            "required": required,
            "properties": {**_COMMON, **properties},
            "additionalProperties": False,
        },
    }


FLOW_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": f"https://voiceagents.dev/schemas/flow/v{SCHEMA_VERSION}.json",
    "title": "Call template flow",
    "type": "object",
    "required": ["schema_version", "nodes"],
    "additionalProperties": False,
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        # Where the flow goes when the caller asks not to be called again, at any node (else the engine's own
        # confirmation and the `opt_out` action).
        "on_opt_out": _ID,
        "nodes": {
            "type": "array",
            "minItems": 1,
            "maxItems": 500,
            "items": {
                "type": "object",
                "required": ["id", "type"],
                "properties": {"id": _ID, "type": {"enum": list(NODE_TYPES)}},
                "dependentRequired": {"max_visits": ["on_max_visits"], "on_max_visits": ["max_visits"]},
                "allOf": [
                    _node("message", ["text"], {"text": _TEXT, "next": _ID}),
                    _node(
                        "question",
                        ["text", "variable"],
                        {
                            "text": _TEXT,
                            "variable": _VAR,
                            "reprompt": _TEXT,
                            "expect": {
                                "type": "object",
                                "required": ["type"],
                                "additionalProperties": False,
                                "properties": {
                                    "type": {"enum": list(EXPECT_TYPES)},
                                    "options": {
                                        "type": "array",
                                        "minItems": 1,
                                        "items": {"type": "string", "minLength": 1},
                                    },
                                },
                                "if": {"properties": {"type": {"const": "options"}}},
                                "then": {"required": ["options"]},
                            },
                            "dtmf": {
                                "type": "object",
                                "propertyNames": {"pattern": "^[0-9*#]{1,8}$"},
                                "additionalProperties": {"type": "string", "minLength": 1},
                            },
                            "next": _ID,
                        },
                    ),
                    _node(
                        "condition",
                        ["branches"],
                        {
                            "subject": {"type": "string", "minLength": 1},
                            "branches": {
                                "type": "array",
                                "minItems": 1,
                                "items": {
                                    **CONDITION,
                                    "required": ["op", "next"],
                                    "properties": {**CONDITION["properties"], "next": _ID},
                                    "additionalProperties": False,
                                },
                            },
                            "else": _ID,
                        },
                    ),
                    _node(
                        "action",
                        ["action"],
                        {
                            "action": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"},
                            "params": {"type": "object"},
                            "text": _TEXT,
                            "next": _ID,
                            "on_failure": _ID,
                        },
                    ),
                    _node(
                        "llm",
                        ["goal"],
                        {
                            "goal": _TEXT,
                            "instructions": {"type": "string", "maxLength": 8000},
                            "text": _TEXT,
                            "tools": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                            "max_turns": {"type": "integer", "minimum": 1, "maximum": 100},
                            "exit_when": {**CONDITION, "additionalProperties": False},
                            "store": _VAR,
                            "next": _ID,
                        },
                    ),
                ],
            },
        },
    },
}
