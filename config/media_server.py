"""The media process: Twilio's media streams (`config.asgi:media_application`) on a server of their own.

    python -m config.media_server [--host 127.0.0.1] [--port 8001] [--server uvicorn-websockets-sansio]
        [module:application]

Every live call's audio is 50 messages a second each way, and every other call of the process waits while one
is handled, so this process runs apart from the web process (HTTP, the users' WebSockets) and is tuned for that
alone (`tune_process`). A reverse proxy sends `/ws/twilio/media/` here; the voice webhook's TwiML points Twilio
at it (`MEDIA_STREAM_BASE_URL`, or the host Twilio reached the webhook at).

The servers are used as they are, through their public APIs. `--server` picks one of those `bench/media_streams.py`
compares (the default is the one it chose); they serve the same ASGI application.
"""

import argparse
import asyncio
import gc
import importlib
import os
import sys

SERVERS = ("uvicorn-websockets-sansio", "uvicorn-wsproto", "uvicorn-websockets", "daphne")
# Chosen on bench/media_streams.py's figures: at the goal's size it held up as well as or better than the others
# (wsproto and daphne fell far behind; uvicorn's `websockets` implementation, close to it, is deprecated).
DEFAULT_SERVER = "uvicorn-websockets-sansio"
# Twilio's messages are small; a larger one is not Twilio's.
MAX_MESSAGE_BYTES = 1024 * 1024


# Work the media process does once before its first call (loading a recogniser's model, say), so that no caller
# waits for it and a broken installation stops the process at start. Apps above config register it (`prepare`).
_PREPARATIONS: list = []


def prepare(func):
    """Registers `func` to run in the media process before it serves."""
    _PREPARATIONS.append(func)
    return func


def tune_process() -> None:
    """Once everything is loaded, before the first call."""
    # What is loaded now lives as long as the process: keep it out of the collector's full passes, whose
    # pauses grow with the number of objects tracked and would show in every live call's audio at once.
    gc.freeze()
    # Each live call keeps a few hundred objects (its socket, session, player): at the default thresholds full
    # passes over them come every few seconds under load. Rarer passes free cycles later, for a little memory.
    gc.set_threshold(700, 10, 1000)
    # A provider or database call on a pool thread holds the interpreter up to the switch interval (5 ms by
    # default) before the event loop gets it back, and every live call's audio waits on that loop.
    sys.setswitchinterval(0.001)


def load_application(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name or "application")


def serve_uvicorn(application, host: str, port: int, ws: str) -> None:
    import uvicorn
    from django.conf import settings

    config = uvicorn.Config(
        application,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        ws=ws,
        ws_max_size=MAX_MESSAGE_BYTES,
        lifespan="off",
        # The scheme and client behind a reverse proxy (the signature of a stream's upgrade is over its wss URL).
        proxy_headers=True,
        forwarded_allow_ips=settings.TWILIO_TRUSTED_PROXIES or None,
        access_log=False,
    )
    config.load()
    tune_process()
    uvicorn.Server(config).run()


def serve_daphne(application, host: str, port: int) -> None:
    from daphne.server import Server

    server = Server(
        application,
        endpoints=[f"tcp:port={port}:interface={host}"],
        websocket_max_message_size=MAX_MESSAGE_BYTES,
    )
    tune_process()
    server.run()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Serve Twilio's media streams.")
    parser.add_argument("--host", default=os.environ.get("MEDIA_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("MEDIA_PORT", 8001)))
    parser.add_argument("--server", choices=SERVERS, default=DEFAULT_SERVER)
    parser.add_argument("application", nargs="?", default="config.asgi:media_application")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if args.server == "daphne":
        import uvloop

        # daphne makes its event loop when `daphne.server` is first imported (Django's set-up does, for the
        # `daphne` app): uvloop's, with its policy in place first.
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    application = load_application(args.application)
    for preparation in _PREPARATIONS:
        preparation()
    if args.server == "daphne":
        serve_daphne(application, args.host, args.port)
    else:
        serve_uvicorn(application, args.host, args.port, args.server.removeprefix("uvicorn-"))


if __name__ == "__main__":
    main()
