"""daphne on uvloop: `python -m config.asgi_server [daphne's own arguments]`, e.g.
`python -m config.asgi_server -b 0.0.0.0 -p 8000 config.asgi:application`.

daphne runs Twisted on an asyncio loop that it makes when `daphne.server` is imported; with uvloop's policy in
place first, that loop is uvloop's. Every live call's audio is 50 socket events a second each way, and uvloop
handles them for less: in `bench/media_streams.py` at 200 calls, about 5 points less CPU and half the p99 turn
overhead of the standard loop. Everything else is daphne's command line, unchanged.
"""

import asyncio

import uvloop


def main() -> None:
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    from daphne.cli import CommandLineInterface  # only now: importing daphne makes its loop

    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
