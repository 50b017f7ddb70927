"""First turn fast: the voice webhook has the greeting synthesized before Twilio opens the stream, and names its
audio in the stream's parameters: it plays from `start`, while the call's set-up is still under way."""

import asyncio
import time
import uuid

import pytest
from channels.db import database_sync_to_async
from django_tenants.utils import schema_context, tenant_context
from redis.exceptions import ConnectionError as RedisConnectionError

from agents.models import Agent, CallTemplate
from calls.media import consumer, greetings, session
from calls.media.services import open_stream
from calls.media.speech import cached_audio, stored_audio
from calls.models import Call
from calls.simulator import HangUp, WaitForAgent
from calls.tests.media_helpers import live_call, run_call, stored_call
from config.redis import get_redis, redis_key
from tenants.channels import CLOSE_FORBIDDEN
from tenants.models import Tenant

pytestmark = pytest.mark.usefixtures("committed_db")


@database_sync_to_async
def with_new_greeting(call):
    """A greeting no test has synthesized before, so only `prepare` can have put it in the cache."""
    with schema_context("t_acme"):
        Agent.objects.filter(pk=call["agent_id"]).update(greeting=f"Hello, this is test {uuid.uuid4().hex[:8]}.")


@database_sync_to_async
def prepare_greeting(call_id) -> tuple[str, str]:
    """What the voice webhook does for the call; returns the greeting's key (the stream's parameter) and text."""
    with tenant_context(Tenant.objects.get(slug="acme")):
        call = Call.objects.select_related("agent").get(pk=call_id)
        return greetings.prepare(call), greetings.greeting_text(call)


async def prepared_greeting(call) -> tuple[str, str]:
    """`prepare_greeting`, once its audio is cached."""
    key, text = await prepare_greeting(call["id"])
    for _ in range(200):
        if await database_sync_to_async(stored_audio)(key) is not None:
            break
        await asyncio.sleep(0.01)
    return key, text


@database_sync_to_async
def greeting_from_template(call, message: str) -> tuple[str, str]:
    """The call's agent has no greeting of its own: it opens with its template's initial message. Returns
    what they said before, for `restore_greetings`."""
    with schema_context("t_acme"):
        agent = Agent.objects.select_related("template").get(pk=call["agent_id"])
        previous = agent.greeting, agent.template.initial_message
        Agent.objects.filter(pk=agent.pk).update(greeting="")
        CallTemplate.objects.filter(pk=agent.template_id).update(initial_message=message)
        return previous


@database_sync_to_async
def restore_greetings(call, greeting: str, initial_message: str) -> None:
    with schema_context("t_acme"):
        agent = Agent.objects.get(pk=call["agent_id"])
        Agent.objects.filter(pk=agent.pk).update(greeting=greeting)
        CallTemplate.objects.filter(pk=agent.template_id).update(initial_message=initial_message)


async def test_an_agent_without_a_greeting_opens_with_its_templates_initial_message():
    call = await live_call()
    message = f"Welcome to test line {uuid.uuid4().hex[:8]}."
    previous = await greeting_from_template(call, message)
    try:
        await run_call(call, [WaitForAgent(), HangUp()])
    finally:
        await restore_greetings(call, *previous)
    _, turns = await stored_call("acme", call["id"])
    assert turns[0].text.startswith(message)


async def test_a_prepared_greeting_is_played_from_the_cache_right_after_start():
    call = await live_call()
    await with_new_greeting(call)
    key, text = await prepared_greeting(call)
    result, _ = await run_call(call, [WaitForAgent(), HangUp()], greeting=key)
    _, turns = await stored_call("acme", call["id"])
    assert turns[0].text.startswith(text) and turns[0].tts_ms == 0
    assert result.first_frame_ms < 250


async def test_a_prepared_greeting_plays_while_the_calls_set_up_is_still_under_way(monkeypatch):
    call = await live_call()
    await with_new_greeting(call)
    key, text = await prepared_greeting(call)

    def slow_set_up(*args):
        time.sleep(0.5)  # calls starting together: this one's set-up waits its turn on the pool
        return open_stream(*args)

    monkeypatch.setattr(consumer, "open_stream", slow_set_up)
    result, _ = await run_call(call, [WaitForAgent(), HangUp()], greeting=key)
    _, turns = await stored_call("acme", call["id"])
    assert result.first_frame_ms < 250 and result.clears == 0
    assert turns[0].text.startswith(text) and len(turns[0].text) > len(text)  # the greeting, then the opening's rest
    assert turns[0].total_ms < 250


async def test_a_stream_naming_a_greeting_that_is_not_cached_greets_as_usual():
    call = await live_call()
    await with_new_greeting(call)
    _, text = await prepare_greeting(call["id"])
    result, _ = await run_call(call, [WaitForAgent(), HangUp()], greeting="tts:" + "0" * 64)
    _, turns = await stored_call("acme", call["id"])
    assert turns[0].text.startswith(text) and result.first_frame_at is not None


async def test_when_redis_cannot_be_read_the_stream_greets_as_usual(monkeypatch):
    call = await live_call()
    await with_new_greeting(call)
    _, text = await prepare_greeting(call["id"])

    def redis_down(key):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(session, "stored_audio", redis_down)
    await run_call(call, [WaitForAgent(), HangUp()], greeting="tts:" + "1" * 64)
    _, turns = await stored_call("acme", call["id"])
    assert turns[0].text.startswith(text)


async def test_a_prepared_greeting_the_agent_has_changed_since_is_cut_off_for_the_new_one():
    call = await live_call()
    await with_new_greeting(call)
    key, old = await prepared_greeting(call)
    await with_new_greeting(call)
    result, _ = await run_call(call, [WaitForAgent(), HangUp()], greeting=key)
    _, turns = await stored_call("acme", call["id"])
    assert result.clears == 1
    assert not turns[0].text.startswith(old) and turns[0].text.startswith("Hello, this is test")


async def test_a_refused_stream_stops_the_greeting_it_began():
    call = await live_call()
    key, _ = await prepared_greeting(call)
    # Under load the greeting may finish playing before the refusal: the second wait lasts until the close.
    result, close_code = await run_call(call, [WaitForAgent(), WaitForAgent()], greeting=key, call_sid="CA" + "0" * 32)
    assert close_code == CLOSE_FORBIDDEN and result.closed
    assert result.clears == 1


def test_a_greeting_parameter_reads_nothing_but_synthesized_speech():
    get_redis().set(redis_key("calls:not-speech"), b"\xff" * 160)
    try:
        assert stored_audio("calls:not-speech") is None and cached_audio("calls:not-speech") is None
    finally:
        get_redis().delete(redis_key("calls:not-speech"))


async def test_without_preparation_the_greeting_is_synthesized_when_the_stream_starts():
    call = await live_call()
    await with_new_greeting(call)
    await run_call(call, [WaitForAgent(), HangUp()])
    _, turns = await stored_call("acme", call["id"])
    assert turns[0].tts_ms > 0
