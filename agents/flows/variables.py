"""`{name}` placeholders in flow texts and action parameters.

Names are dotted: `{company}`, `{agent.name}`, `{contact.name}`, `{answers.budget}`. `{contact.name|there}` gives a
fallback for a value that is empty at call time.
"""

import re

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*)(?:\|([^{}]*))?\}")

# Context variables a flow may use without defining them; callers of `validate` may add more.
DEFAULT_VARIABLES = frozenset(
    {
        "company",
        "agent.name",
        "contact.name",
        "contact.first_name",
        "contact.last_name",
        "contact.phone",
        "contact.email",
        "call.from",
        "call.to",
    }
)


def names_in(value) -> set[str]:
    """Every placeholder name used in a string, or in the strings nested in a dict/list."""
    if isinstance(value, str):
        return {m.group(1) for m in PLACEHOLDER.finditer(value)}
    if isinstance(value, dict):
        return set().union(*(names_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(names_in(v) for v in value)) if value else set()
    return set()


def render(value, values: dict):
    """Substitutes placeholders from a flat {dotted name: value} dict; a missing value becomes its fallback or ""."""
    if isinstance(value, str):
        if "{" not in value:
            return value
        return PLACEHOLDER.sub(lambda m: _value(values.get(m.group(1)), m.group(2)), value)
    if isinstance(value, dict):
        return {k: render(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, values) for v in value]
    return value


def _value(value, fallback):
    if value is None or value == "":
        return fallback or ""
    return str(value)


def flatten(variables: dict, prefix: str = "") -> dict:
    """{"contact": {"name": "Ann"}} and {"contact.name": "Ann"} both become {"contact.name": "Ann"}."""
    flat = {}
    for key, value in (variables or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        elif value is not None:
            flat[name] = value if isinstance(value, (int, float, bool)) else str(value)
    return flat
