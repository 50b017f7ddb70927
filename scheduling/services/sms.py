"""Texts to an appointment's attendee. They go out through the telephony app, which registers its sender at
start-up (calls/apps.py), so scheduling does not import it."""

from collections.abc import Callable

from config.errors import DomainError

_sender: Callable[..., None] | None = None


def register_sender(send: Callable[..., None]) -> None:
    """`send(to=, body=, agent_id=)`: texts `to` from the tenant's number (the agent's, if it has one)."""
    global _sender
    _sender = send


def send(*, to: str, body: str, agent_id: int | None = None) -> None:
    if _sender is None:
        raise DomainError("No telephony is installed to send texts.", error_code="sms_unavailable")
    _sender(to=to, body=body, agent_id=agent_id)
