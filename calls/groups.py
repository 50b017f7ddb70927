"""Channel-layer groups of a live call, named by schema so tenants never share one.

- the live group: staff watching `/ws/calls/{id}/live/` (turns, state, staff controls);
- the control group: the call's media session, in whichever process holds its stream (mute, unmute); its
  messages name the call, for the process's one listener.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction
from redis import RedisError

from config.redis import get_redis, redis_key


def live_group(schema: str, call_id: int) -> str:
    return f"call-live.{schema}.{call_id}"


def control_group(schema: str, call_id: int) -> str:
    return f"call-control.{schema}.{call_id}"


# How long a call counts as watched once someone opened its live view: longer than any call lasts.
WATCHED_SECONDS = 24 * 3600


def watched_key(schema: str, call_id: int) -> str:
    return redis_key(f"call-watched.{schema}.{call_id}")


def mark_watched(schema: str, call_id: int) -> None:
    """Someone opens the call's live view: from now on its media session broadcasts. Call it after joining the
    live group and before reading what the view starts from, so nothing stored in between is missed."""
    get_redis().set(watched_key(schema, call_id), 1, ex=WATCHED_SECONDS)


def is_watched(schema: str, call_id: int) -> bool:
    """Whether anyone opened the call's live view. Asked after a write is committed: a watcher who came earlier
    is sent it, one who came later read it. Most calls are never watched, and a broadcast costs two Redis
    requests on the event loop that plays every call's audio; this is one, on the thread that wrote."""
    try:
        return bool(get_redis().exists(watched_key(schema, call_id)))
    except RedisError:
        return True  # unknown: broadcast, as to a watched call


async def broadcast(schema: str, call_id: int, *events: dict) -> None:
    """The events, in order, to the call's watchers: one channel-layer message, however many events."""
    await get_channel_layer().group_send(live_group(schema, call_id), {"type": "live.event", "events": list(events)})


def control_message(schema: str, call_id: int, **control) -> dict:
    """A `call.control` message. It names its call: one listener takes the controls of every call its process
    holds (`calls.media.layer`)."""
    return {"type": "call.control", "schema": schema, "call_id": call_id, **control}


def on_commit_send(call_id: int, *, live: dict | None = None, control: dict | None = None) -> None:
    """From sync code in the call's tenant schema: once committed, tell the watchers (`live`) and the media
    session (`control`, a `call.control` message)."""
    schema = connection.schema_name

    def send():
        layer = get_channel_layer()
        if control is not None:
            async_to_sync(layer.group_send)(control_group(schema, call_id), control_message(schema, call_id, **control))
        if live is not None:
            async_to_sync(layer.group_send)(live_group(schema, call_id), {"type": "live.event", "events": [live]})

    transaction.on_commit(send)
