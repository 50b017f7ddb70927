"""The audit log's two ends that every app may use: where a change comes from (the request's origin: client IP
behind our trusted proxies, user agent, request id, and the API key it was made with), and `audit(...)`, which
writes an entry through the writer `compliance` registers at start-up (the log is compliance's; apps below it,
such as accounts, reach it here). A service writes its entry inside the transaction of the change it records
(Zulip's do_* pattern), so a change that rolls back leaves no entry, and an entry never exists without its change.
"""

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import connection

from config.proxies import client_ip

USER_AGENT_MAX = 300


@dataclass
class Origin:
    ip: str | None = None
    user_agent: str = ""
    request_id: str = ""
    # The API key the request authenticated with (its creator is the acting user).
    api_key_id: int | None = None
    api_key_label: str = ""


_origin: ContextVar[Origin | None] = ContextVar("audit_origin", default=None)


def origin() -> Origin:
    """The current request's origin; an empty one outside a request (Celery tasks, management commands)."""
    return _origin.get() or Origin()


def note_api_key(key) -> None:
    """Called by authentication once a request is known to act through an API key."""
    current = _origin.get()
    if current is not None:
        current.api_key_id, current.api_key_label = key.pk, f"API key {key.prefix}… ({key.name})"


class AuditOriginMiddleware:
    """After `RequestIdMiddleware`: binds the request's origin for the services it calls, and unbinds it after
    (the thread serves other requests next)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ip = client_ip(request)
        token = _origin.set(
            Origin(
                ip=ip if ip != "unknown" else None,
                user_agent=request.headers.get("User-Agent", "")[:USER_AGENT_MAX],
                request_id=getattr(request, "request_id", ""),
            )
        )
        try:
            return self.get_response(request)
        finally:
            _origin.reset(token)


# (tenant, action, actor, target, data) -> None, registered by compliance.
Writer = Callable[..., None]
_writer: Writer | None = None


def register_writer(writer: Writer) -> None:
    global _writer
    _writer = writer


def audit(
    action: str, *, tenants: Iterable | None = None, actor=None, target: str = "", data: dict | None = None
) -> None:
    """One entry in the audit log of each tenant in `tenants`, by default the current one (a change to a person's
    account is written to every tenant they belong to). Fails loudly if compliance is not installed: an unaudited
    change must not pass."""
    if _writer is None:
        raise RuntimeError("No audit writer is registered (compliance registers it when Django starts).")
    for tenant in [connection.tenant] if tenants is None else tenants:
        _writer(tenant, action=action, actor=actor, target=target, data=data or {})
