"""The web process: daphne on uvloop, `python -m config.asgi_server [daphne's own arguments]`, e.g.
`python -m config.asgi_server -b 0.0.0.0 -p 8000 config.asgi:application`.

daphne runs Twisted on an asyncio loop that it makes when `daphne.server` is first imported; with uvloop's policy
in place first, that loop is uvloop's, which handles socket events for less. Everything else is daphne's command
line, unchanged. Twilio's media streams have a process of their own (`config.media_server`).
"""

import asyncio

import uvloop


def main() -> None:
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    from daphne.cli import CommandLineInterface  # only now: importing daphne makes its loop

    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
