"""Log lines as JSON, one per event, with what they belong to: the request id, tenant and user of the request being
served, the call of the media stream; and never a phone number in full or a secret, whoever logged them.

Tenants are named by their schema (`t_acme`), which every process knows. `LOG_FORMAT=text` gives plain lines instead (same masking). Code that knows more context adds it with `bind`
(for the rest of its task, e.g. a media stream) or `bound` (a block)."""

import contextvars
import json
import logging
import re
import time
from contextlib import contextmanager

from django.db import connection
from django.utils.functional import SimpleLazyObject, empty

_fields: contextvars.ContextVar[dict | None] = contextvars.ContextVar("log_fields", default=None)
_request: contextvars.ContextVar = contextvars.ContextVar("log_request", default=None)


def bind(**fields) -> None:
    """Adds fields to every line logged from here on in this context (an asyncio task and the tasks it starts)."""
    _fields.set({**(_fields.get() or {}), **fields})


@contextmanager
def bound(**fields):
    token = _fields.set({**(_fields.get() or {}), **fields})
    try:
        yield
    finally:
        _fields.reset(token)


class LogContextMiddleware:
    """Right after the request id is chosen: lines logged while the request is served carry it, its tenant and its
    user, read when a line is written (DRF authenticates the user later, inside the view)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def _user_id(request):
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject):
        # Django's session user, not looked up yet: a log line must not query the database.
        user = None if user._wrapped is empty else user._wrapped
    return getattr(user, "pk", None)


def context(record: logging.LogRecord | None = None) -> dict:
    found = {}
    # Django logs a 4xx/5xx answer once the middleware is done, passing the request along.
    request = getattr(record, "request", None) or _request.get()
    if request is not None:
        found["request_id"] = getattr(request, "request_id", None)
        tenant = getattr(request, "tenant", None)
        schema = getattr(tenant, "schema_name", "public")
        found["tenant"] = schema if schema != "public" else None
        found["user_id"] = _user_id(request)
    elif getattr(connection, "schema_name", "public") != "public":
        found["tenant"] = connection.schema_name  # a Celery task, or a consumer's database thread
    found.update(_fields.get() or {})
    return {name: value for name, value in found.items() if value is not None}


# Phone numbers: E.164, long digit runs, and the usual national formats; the last two digits stay, enough to tell
# numbers apart in a log without the number itself.
_PHONE = re.compile(
    r"\+\d[\d ().-]{6,18}\d"
    r"|(?<![\w.:-])\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?![\w-])"
    r"|(?<![\w.:-])\d{10,15}(?![\w.])"
)
_SECRETS = [
    # key=value and "key": "value" of anything named like a secret
    (
        re.compile(
            r"(?i)((?:password|passwd|secret|token|api[_-]?key|auth[_-]?token|authorization|signature)"
            r"[\"']?\s*[:=]\s*[\"']?)(?:Bearer\s+)?[^\s\"'&,;}]+"
        ),
        r"\1[redacted]",
    ),
    (re.compile(r"(?i)\bBearer\s+[\w.~+/=-]+"), "Bearer [redacted]"),
    (re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]+"), "[redacted jwt]"),  # a JWT anywhere
    (re.compile(r"\b(vk|whsec|sk|rk|pk)_[\w-]{8,}"), r"\1_[redacted]"),  # our API keys, webhook secrets, Stripe keys
    (re.compile(r"\bsk-[\w-]{16,}"), "sk-[redacted]"),  # OpenAI-style keys
]


def _mask_phone(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group())
    return f"[phone …{digits[-2:]}]"


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return _PHONE.sub(_mask_phone, text)


class TextFormatter(logging.Formatter):
    def format(self, record):
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record):
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            **context(record),
        }
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, default=str, ensure_ascii=False)
