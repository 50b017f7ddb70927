"""Shared set-up of the live-audio tests: a live inbound call of the demo receptionist, a caller's voice,
and what the offline STT hears in the agent's audio."""

import asyncio
import uuid
from difflib import SequenceMatcher
from types import SimpleNamespace

from channels.db import database_sync_to_async
from django_tenants.utils import schema_context

from agents import audio
from agents import services as agent_services
from agents.providers import grammars, hints
from agents.providers.base import Expectation
from agents.providers.flite import FliteTTS
from agents.providers.whisper import WhisperSTT
from calls import services as calls
from calls.media.session import CallSession
from calls.media.speech import prepare_speech
from calls.models import Call
from calls.simulator import channels_transport, simulate
from calls.tests.factories import AUTH_TOKEN, TwilioAccountFactory
from config.asgi import application
from tenants.models import Tenant

CALLER_VOICE = "awb"


def bare_session(send, *, muted: bool = False, schema: str = "bare") -> CallSession:
    """A session on a stand-in call (no database, providers or stream), for the session's own logic; `send` gets
    every message for Twilio."""
    call = SimpleNamespace(
        call_id=1,
        schema=schema,
        state={},
        opening=None,
        expect=Expectation(),
        muted=muted,
        stt=None,
        tts=None,
        tts_name="espeak",
        voice="en-us",
        language="en-US",
        max_duration_seconds=600,
        silence_timeout_ms=10_000,
    )
    return CallSession(tenant=None, call=call, stream_sid="MZ1", send=send, close=None)


def caller_says(text: str):
    return FliteTTS(sample_rate=8000).synthesize(text, voice=CALLER_VOICE)


def heard(answer, *candidates: str) -> list[str]:
    """Which of `candidates` the offline Whisper hears in the agent's audio, in the order they are said.

    Over the whole answer, as the caller hears it (the pauses between a natural voice's sentences are too short to
    cut its audio at); a candidate counts where a stretch of what was heard is near enough to it (`hints`' fuzzy
    match of an option).
    """
    words = hints.normalise(WhisperSTT().transcribe(audio.from_telephony(bytes(answer.mulaw))).text).split()
    found = []
    for candidate in candidates:
        option = grammars.normalise(candidate)
        size = len(option.split())
        stretches = [" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))]
        likeness = [SequenceMatcher(None, stretch, option).ratio() for stretch in stretches]
        if likeness and max(likeness) >= hints.OPTION_SIMILARITY:
            found.append((likeness.index(max(likeness)), candidate))
    return [candidate for _, candidate in sorted(found)]


@database_sync_to_async
def live_call(slug: str = "acme", **fields) -> dict:
    """A ringing inbound call to the demo receptionist, as the voice webhook leaves it, to a process whose recogniser
    and voice are ready, as the media process's are before it serves (`prepare_speech`)."""
    prepare_speech()
    tenant = Tenant.objects.get(slug=slug)
    with schema_context(tenant.schema_name):
        TwilioAccountFactory()
        agent = agent_services.seed_demo_agent(tenant)
        call = calls.start_call(
            direction=Call.Direction.INBOUND,
            agent=agent,
            flow_version=agent.template.latest_version,
            from_number="+15550001111",
            to_number="+15550002222",
            twilio_call_sid="CA" + uuid.uuid4().hex,
            status=Call.Status.RINGING,
        )
        for name, value in fields.items():
            setattr(call, name, value)
        call.save()
        return {"id": call.pk, "sid": call.twilio_call_sid, "tenant": slug, "agent_id": agent.pk}


@database_sync_to_async
def stored_call(slug: str, call_id: int) -> tuple[Call, list]:
    with schema_context(Tenant.schema_name_for(slug)):
        call = Call.objects.get(pk=call_id)
        return call, list(call.turns.order_by("index"))


async def finished_call(slug: str, call_id: int, seconds: float = 10) -> tuple[Call, list]:
    """`stored_call` once the call's record is finished: it is, after the stream closes, on the server's side."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        call, turns = await stored_call(slug, call_id)
        if call.is_finished:
            return call, turns
        assert asyncio.get_running_loop().time() < deadline, f"call {call_id} is still {call.status}"
        await asyncio.sleep(0.05)


async def run_call(call: dict, script, *, tenant=None, call_sid=None, auth_token=AUTH_TOKEN, **options):
    """Twilio streams the call to its tenant's media-stream URL (signed with `auth_token`); `tenant` and
    `call_sid` override what the `start` message says."""
    path = f"/ws/twilio/media/{call['tenant']}/"
    async with channels_transport(application, path=path, auth_token=auth_token) as transport:
        result = await simulate(
            transport,
            script,
            call_id=call["id"],
            tenant=tenant or call["tenant"],
            call_sid=call_sid or call["sid"],
            **options,
        )
    return result, transport.close_code
