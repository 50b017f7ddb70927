"""The engine's outside-world actions that a live call performs once their turn is stored: `send_sms`
(through the tenant's Twilio account, from the agent's number on the call) and `webhook` (a signed JSON
POST). They run off the media loop; whatever happens is logged on the call (`Call.action_log`), and a
failure is never raised: the conversation goes on either way.

A webhook request goes through the outgoing webhooks' delivery machinery (webhooks.services.deliveries): signed
like every delivery (`Webhook-Signature`, docs/webhooks.md) with the tenant's webhook secret, `Webhook-Id`
`call-<id>-turn-<index>-<n>` (n counting the turn's actions) so a receiver can drop a repeat, public addresses only
(checked again at connect time). Its first attempt is made here, within CALL_ACTION_WEBHOOK_TIMEOUT, and logged on
the call; a failed one is retried later like any delivery.
"""

import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from calls.models import Call, WebhookSecret
from calls.services.telephony import require_account
from calls.twilio import client as twilio
from config.outbound import UnsafeURL, check_public_url
from webhooks.services import deliveries

log = logging.getLogger(__name__)

PERFORMED = ("send_sms", "webhook")


class ActionFailed(Exception):
    pass


def webhook_secret() -> str:
    secret, _ = WebhookSecret.objects.get_or_create(pk=1, defaults={"secret": secrets.token_hex(32)})
    return secret.secret


def rotate_webhook_secret() -> str:
    secret, _ = WebhookSecret.objects.update_or_create(pk=1, defaults={"secret": secrets.token_hex(32)})
    return secret.secret


def perform(call_id: int, turn_index: int, position: int, action: dict) -> dict:
    """Performs one action of the agent turn `turn_index` and logs the outcome on the call."""
    call = Call.objects.select_related("agent").get(pk=call_id)
    entry = {"action": action["name"], "turn": turn_index, "at": timezone.now().isoformat()}
    try:
        if action["name"] == "send_sms":
            entry.update(_send_sms(call, action["data"]))
        else:
            entry.update(_post_webhook(call, turn_index, position, action["data"]))
        entry["ok"] = True
    except Exception as exc:  # the outside world failed: noted on the call, the call goes on
        log.warning("call %s: %s of turn %s failed: %s", call_id, action["name"], turn_index, exc)
        entry.update(ok=False, error=str(getattr(exc, "detail", exc))[:500])
    _log(call_id, entry)
    return entry


def _send_sms(call: Call, data: dict) -> dict:
    # Our number on the call: the one the caller dialled, or the one we called from.
    sender = call.to_number if call.direction == Call.Direction.INBOUND else call.from_number
    sid = twilio.send_sms(require_account(), to=data["to"], from_=sender, body=data["body"])
    return {"to": data["to"], "sid": sid}


def _post_webhook(call: Call, turn_index: int, position: int, data: dict) -> dict:
    try:
        check_public_url(data["url"])
    except UnsafeURL as exc:
        raise ActionFailed(f"{data['url']} {exc}") from exc
    outcome = deliveries.send_now(
        url=data["url"],
        event_id=f"call-{call.pk}-turn-{turn_index}-{position}",
        event_type="call.action.webhook",
        data={
            "call": {
                "id": call.pk,
                "direction": call.direction,
                "from": call.from_number,
                "to": call.to_number,
                "agent_id": call.agent_id,
            },
            "turn": turn_index,
            "payload": data.get("payload") or {},
        },
        secret=webhook_secret(),
        timeout=settings.CALL_ACTION_WEBHOOK_TIMEOUT,
    )
    sent = outcome.attempt
    if sent.response_status is None:
        raise ActionFailed(f"{data['url']} could not be reached: {sent.error}")
    if sent.error:
        raise ActionFailed(f"{data['url']} answered HTTP {sent.response_status}")
    return {"url": data["url"], "status": sent.response_status}


@transaction.atomic
def _log(call_id: int, entry: dict) -> None:
    call = Call.objects.select_for_update().only("action_log").get(pk=call_id)
    call.action_log = [*call.action_log, entry]
    call.save(update_fields=["action_log"])
