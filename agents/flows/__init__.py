"""Call-template flows: the versioned schema and save-time validation. See docs/flows.md."""

from .layout import split_layout, with_layout
from .schema import FLOW_SCHEMA, SCHEMA_VERSION
from .validation import FlowError, FlowValidationError, is_branching, require_valid, validate
from .variables import DEFAULT_VARIABLES

__all__ = [
    "FLOW_SCHEMA",
    "SCHEMA_VERSION",
    "DEFAULT_VARIABLES",
    "FlowError",
    "FlowValidationError",
    "is_branching",
    "require_valid",
    "split_layout",
    "validate",
    "with_layout",
]
