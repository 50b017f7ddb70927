"""How a webhook request proves where it comes from (docs/webhooks.md shows a receiver checking it).

`Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint's secret>`. Signing the
timestamp with the body lets a receiver refuse an old request replayed later; `Webhook-Id` (the event id, the same on
every attempt and redelivery) lets it drop a repeat."""

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def headers(*, secret: str, timestamp: int, body: bytes, event_id: str, event_type: str, attempt: int) -> dict:
    return {
        "Content-Type": "application/json",
        "User-Agent": "voiceagents-webhook/1",
        "Webhook-Id": event_id,
        "Webhook-Event": event_type,
        "Webhook-Attempt": str(attempt),
        "Webhook-Signature": f"t={timestamp},v1={signature(secret, timestamp, body)}",
    }


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: the signature matches and its timestamp is recent."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(
        fields.get("v1", ""), signature(secret, timestamp, body)
    )
