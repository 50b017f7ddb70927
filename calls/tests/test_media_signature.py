"""The media-stream WebSocket upgrade must carry Twilio's X-Twilio-Signature: HMAC-SHA1 over the stream URL
(wss://host/ws/twilio/media/<tenant>/, no parameters) with the tenant's auth token; otherwise it is refused
(4403) before anything is accepted, unless TWILIO_VALIDATE_WEBSOCKET is off."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from calls.models import Call
from calls.simulator import HangUp, SimulationError, WaitForAgent, twilio_signature
from calls.tests.factories import AUTH_TOKEN
from calls.tests.media_helpers import live_call, run_call, stored_call
from config.asgi import application
from tenants.models import Tenant

pytestmark = pytest.mark.usefixtures("committed_db")

PATH = "/ws/twilio/media/acme/"


async def upgrade(path=PATH, *, signature=None, host="api.localhost", scheme=None):
    headers = [(b"host", host.encode())]
    if signature:
        headers.append((b"x-twilio-signature", signature.encode()))
    ws = WebsocketCommunicator(application, path, headers=headers)
    if scheme:
        ws.scope["scheme"] = scheme
    result = await ws.connect()
    await ws.disconnect()
    return result


async def test_a_stream_signed_with_the_tenants_token_is_accepted():
    await live_call()
    connected, _ = await upgrade(signature=twilio_signature(f"ws://api.localhost{PATH}", AUTH_TOKEN))
    assert connected


async def test_behind_tls_the_signature_is_over_the_wss_url():
    await live_call()
    connected, _ = await upgrade(signature=twilio_signature(f"wss://api.localhost{PATH}", AUTH_TOKEN), scheme="wss")
    assert connected


async def test_a_stream_without_a_signature_is_refused():
    await live_call()
    assert await upgrade() == (False, 4403)


async def test_a_forged_signature_is_refused():
    await live_call()
    assert await upgrade(signature=twilio_signature(f"ws://api.localhost{PATH}", "e" * 32)) == (False, 4403)


async def test_a_signature_for_another_tenants_url_is_refused():
    await live_call("acme")
    await live_call("globex")
    forged = twilio_signature("ws://api.localhost/ws/twilio/media/globex/", AUTH_TOKEN)
    assert await upgrade(signature=forged) == (False, 4403)


async def test_an_unknown_tenant_in_the_path_is_refused():
    signature = twilio_signature("ws://api.localhost/ws/twilio/media/nobody/", AUTH_TOKEN)
    assert await upgrade("/ws/twilio/media/nobody/", signature=signature) == (False, 4403)


async def test_refused_streams_change_nothing():
    call = await live_call()
    with pytest.raises(SimulationError):
        await run_call(call, [WaitForAgent(), HangUp()], auth_token="e" * 32)
    stored, turns = await stored_call("acme", call["id"])
    assert (stored.status, turns) == (Call.Status.RINGING, [])


async def test_with_validation_off_an_unsigned_stream_is_accepted(settings):
    settings.TWILIO_VALIDATE_WEBSOCKET = False
    await live_call()
    connected, _ = await upgrade()
    assert connected


async def test_a_suspended_tenants_stream_is_refused_even_when_signed():
    await live_call()
    await set_status("acme", Tenant.Status.SUSPENDED)
    try:
        signature = twilio_signature(f"ws://api.localhost{PATH}", AUTH_TOKEN)
        assert await upgrade(signature=signature) == (False, 4403)
    finally:
        await set_status("acme", Tenant.Status.ACTIVE)


@database_sync_to_async
def set_status(slug, status):
    Tenant.objects.filter(slug=slug).update(status=status)
