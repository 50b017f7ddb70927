"""First turn fast: the voice webhook has the greeting synthesized before Twilio opens the stream."""
import asyncio
import uuid

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from agents.models import Agent, CallTemplate
from agents.services.credentials import build_provider
from calls.media import greetings
from calls.media.speech import Speech
from calls.models import Call
from calls.simulator import HangUp, WaitForAgent
from calls.tests.media_helpers import live_call, run_call, stored_call
from tenants.models import Tenant

pytestmark = pytest.mark.usefixtures("committed_db")


@database_sync_to_async
def with_new_greeting(call):
    """A greeting no test has synthesized before, so only `prepare` can have put it in the cache."""
    with schema_context("t_acme"):
        Agent.objects.filter(pk=call["agent_id"]).update(greeting=f"Hello, this is test {uuid.uuid4().hex[:8]}.")


@database_sync_to_async
def prepare_greeting(call_id):
    with tenant_context(Tenant.objects.get(slug="acme")):
        call = Call.objects.select_related("agent").get(pk=call_id)
        greetings.prepare(call)
        agent = call.agent
        return Speech(schema=connection.schema_name, stt=None, tts=build_provider("tts", agent.tts_provider),
                      tts_name=agent.tts_provider, voice=agent.voice_id, language=agent.language), \
            greetings.greeting_text(call)


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
    speech, text = await prepare_greeting(call["id"])
    for _ in range(200):
        if await database_sync_to_async(speech.is_cached)(text):
            break
        await asyncio.sleep(0.01)
    result, _ = await run_call(call, [WaitForAgent(), HangUp()])
    _, turns = await stored_call("acme", call["id"])
    assert turns[0].text.startswith(text) and turns[0].tts_ms == 0
    assert result.first_frame_ms < 250


async def test_without_preparation_the_greeting_is_synthesized_when_the_stream_starts():
    call = await live_call()
    await with_new_greeting(call)
    await run_call(call, [WaitForAgent(), HangUp()])
    _, turns = await stored_call("acme", call["id"])
    assert turns[0].tts_ms > 0
