"""Simulate a phone call to an agent: `manage.py simulate_call --tenant demo [--agent ID] ["caller words" ...]`.

Plays the caller into `/ws/twilio/media/<tenant>/` exactly as Twilio would (synthesized speech, or `--wav`
files; the upgrade signed with the tenant's Twilio auth token, when it has connected one), waits for each
answer, then prints the call's transcript with per-turn timings from the call record. In process by
default (a tenant without a Twilio account has nothing to sign with, so there the signature check is off);
`--url ws://host:port/ws/twilio/media/<tenant>/` calls a running server instead (same database).
`--realtime` paces audio at 20 ms per frame like a real line.
"""

import asyncio
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django_tenants.utils import tenant_context

from agents import audio
from agents.management.targets import agent_in_tenant, tenant_named
from agents.providers.flite import FliteTTS
from calls import selectors
from calls import services as calls
from calls.media import greetings
from calls.models import Call
from calls.simulator import (
    HangUp,
    Say,
    SimulationError,
    WaitForAgent,
    channels_transport,
    simulate,
    websocket_transport,
)
from config.asgi import application

# The caller speaks with flite: clearer than espeak-ng, as a caller would be to the offline recogniser.
CALLER_VOICE = "awb"


class Command(BaseCommand):
    help = "Simulate an inbound phone call to an agent over the Twilio media-stream protocol and print the transcript."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="Tenant slug.")
        parser.add_argument("--agent", type=int, help="Agent id (default: the tenant's first active agent).")
        parser.add_argument("--wav", action="append", default=[], help="A WAV file the caller plays (repeatable).")
        parser.add_argument("--url", help="The media-stream URL of a running server (default: in process).")
        parser.add_argument("--realtime", action="store_true", help="Send and play audio at real-time pace.")
        parser.add_argument("texts", nargs="*", help="What the caller says, one turn each (synthesized).")

    def handle(self, *args, **options):
        tenant = tenant_named(options["tenant"])
        speeches = [self._wav(path) for path in options["wav"]]
        speeches += [
            FliteTTS(sample_rate=audio.MULAW_RATE).synthesize(text, voice=CALLER_VOICE) for text in options["texts"]
        ]
        with tenant_context(tenant):
            account = selectors.twilio_account()
            options["auth_token"] = account.auth_token if account else ""
            agent = agent_in_tenant(options["agent"])
            call = calls.start_call(
                direction=Call.Direction.INBOUND,
                agent=agent,
                flow_version=agent.template.latest_version if agent.template_id else None,
                from_number="+15550100000",
                to_number="+15550100001",
                twilio_call_sid="CA" + uuid.uuid4().hex,
                status=Call.Status.RINGING,
            )
            # As the voice webhook does: its greeting's audio, named in the stream's parameters.
            greeting = greetings.prepare(call)
        script = [WaitForAgent()]
        for speech in speeches:
            script += [Say(speech), WaitForAgent()]
        script.append(HangUp())
        try:
            result = asyncio.run(self._run(options, script, call, tenant, greeting))
        except SimulationError as exc:
            # The call never got its media: end it now rather than leave it holding a line.
            with tenant_context(tenant):
                calls.finish_call(call, status=Call.Status.FAILED, end_reason="simulator_error")
            raise CommandError(f"{exc} (call {call.pk} marked failed)") from None
        with tenant_context(tenant):
            call.refresh_from_db()
            self._print(call, result)

    def _wav(self, path):
        try:
            return audio.from_wav(Path(path).read_bytes())
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc

    async def _run(self, options, script, call, tenant, greeting):
        token = options["auth_token"]
        if options["url"]:
            transport = websocket_transport(options["url"], auth_token=token)
        else:
            transport = channels_transport(application, path=f"/ws/twilio/media/{tenant.slug}/", auth_token=token)
        with override_settings(TWILIO_VALIDATE_WEBSOCKET=bool(token or options["url"])):
            async with transport:
                return await simulate(
                    transport,
                    script,
                    call_id=call.pk,
                    tenant=tenant.slug,
                    call_sid=call.twilio_call_sid,
                    realtime=options["realtime"],
                    linger_ms=3000,
                    greeting=greeting,
                )

    def _print(self, call, result):
        names = {"agent": call.agent.name if call.agent else "Agent", "caller": "Caller", "system": "System"}
        for turn in call.turns.order_by("index"):
            self.stdout.write(f"{names[turn.speaker]}: {turn.text}")
            if turn.interrupted:
                self.stdout.write(self.style.WARNING(f"  (interrupted; the caller heard: {turn.heard_text!r})"))
            timings = ", ".join(
                f"{name} {getattr(turn, name):.0f}" for name in calls.TIMING_FIELDS if getattr(turn, name) is not None
            )
            if timings:
                self.stdout.write(self.style.NOTICE(f"  [{timings} ms]"))
        first = f"{result.first_frame_ms:.0f} ms" if result.first_frame_ms is not None else "never"
        self.stdout.write(
            f"(call {call.pk}: {call.status}{', ' + call.end_reason if call.end_reason else ''}; "
            f"first agent audio {first} after start; {result.clears} barge-in clears)"
        )
