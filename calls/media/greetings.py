"""The greeting's audio, ready before the media stream connects.

The voice webhook calls `prepare(call)` while Twilio is about to open the stream: the agent's greeting is
synthesized on the media thread pool into the speech cache (per tenant, provider, voice and text), and its
cache key goes to the stream as the `greeting` parameter. The stream plays it at `start`, while the call's
set-up is still under way (`consumer.MediaStreamConsumer.start`), so the caller hears it within a frame of
`start` however many calls start at once. Only the greeting, rendered as `Engine.start` renders it: running
the engine here could perform the flow's first actions twice.
"""

import logging

from django.db import connection

from agents.flows.variables import flatten, render

# A module import: agents.services.conversations imports calls.services, whose webhook imports this.
from agents.services import conversations
from agents.services.credentials import build_provider
from calls.media.pools import POOL
from calls.media.services import call_variables
from calls.media.speech import Speech
from calls.models import Call

log = logging.getLogger(__name__)


def greeting_text(call: Call) -> str:
    """The call's first words: the agent's disclosure if it makes one on this call, else its greeting."""
    config = conversations.agent_config(call.agent, direction=call.direction)
    values = {"agent.name": config.name, "company": config.company, **flatten(call_variables(call))}
    return render(config.disclosure or config.greeting, values).strip()


def prepare(call: Call) -> str:
    """Queues the synthesis of the call's greeting (run inside the tenant's schema); returns the key its audio
    will be cached under ("" for none). Never raises."""
    try:
        agent = call.agent
        text = greeting_text(call) if agent is not None else ""
        if not text:
            return ""
        speech = Speech(
            schema=connection.schema_name,
            stt=None,
            tts=build_provider("tts", agent.tts_provider),
            tts_name=agent.tts_provider,
            voice=agent.voice_id,
            language=agent.language,
        )
    except Exception:
        log.exception("call %s: could not prepare the greeting", call.pk)
        return ""
    POOL.submit(speech.synthesize, text).add_done_callback(_report)
    return speech.key(text)


def _report(future) -> None:
    if future.exception() is not None:
        log.error("greeting synthesis failed", exc_info=future.exception())
