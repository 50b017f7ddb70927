"""What starting and ending a call costs the server, apart from its audio: N short calls against one media
process, and the same against the baseline (`bench/media_baseline.py`, no Django, database or channel layer).

    .venv/bin/python bench/call_starts.py [--calls 200] [--at-once 5] [--rounds 3] [--port 8775]

Each call opens the media stream (signed as Twilio signs it), sends `start`, waits for the greeting's first
frame, sends `stop` and closes; `--at-once` calls are under way at any time. Printed per round and server:
- CPU ms per call: the server process's user + system time over the round, divided by the calls. For ours
  the round lasts until every call's record is finished (the end of a call is stored after its stream
  closes), so this is the whole fixed cost of a call: the WebSocket handshake, the stream's set-up (tenant,
  token, call, agent, providers, engine), the greeting's turn, the end of the call and its broadcasts;
- first frame p50/p99: from `start` to the first frame of the greeting, in ms (the calls name their prepared
  greeting as the voice webhook does: see `bench/media_streams.py`);
then "ours/base" (CPU per call as a ratio). A burst of calls starting together costs this many times over
at once (`bench/media_streams.py`, whose calls start within 2 s), so it is what to cut for the 200-call goal.
CPU time per call moves far less between runs than the latency percentiles of a shared machine.
Uses the database of `bench/media_streams.py`.
"""

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import media_streams as streams  # noqa: E402  (sets the database and settings up)


async def one_call(url, call_id, call_sid, greeting, auth_token) -> float | None:
    """ms from `start` to the greeting's first frame (None if none came)."""
    from calls.simulator import twilio_start, websocket_transport

    stream_sid = "MZ" + call_sid[2:]
    async with websocket_transport(url, auth_token=auth_token) as transport:
        await transport.send(orjson.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}).decode())
        started = time.monotonic()
        await transport.send(
            orjson.dumps(
                twilio_start(
                    call_id=call_id, tenant=streams.TENANT, call_sid=call_sid, stream_sid=stream_sid, greeting=greeting
                )
            ).decode()
        )
        first = None
        while first is None:
            text = await transport.receive()
            if text is None:
                return None
            if orjson.loads(text).get("event") == "media":
                first = (time.monotonic() - started) * 1000
        await transport.send(orjson.dumps({"event": "stop", "streamSid": stream_sid, "stop": {}}).decode())
        while await transport.receive() is not None:
            pass
        return first


async def all_calls(url, calls, at_once, auth_token) -> list:
    slots = asyncio.Semaphore(at_once)

    async def limited(call):
        async with slots:
            return await one_call(url, *call, auth_token)

    return await asyncio.gather(*(limited(call) for call in calls))


def wait_until_finished(tenant, call_ids, timeout=60.0) -> None:
    from django.db import connections
    from django_tenants.utils import tenant_context

    from calls.models import Call

    deadline = time.monotonic() + timeout
    with tenant_context(tenant):
        while Call.objects.filter(pk__in=call_ids).exclude(status__in=Call.FINAL_STATUSES).exists():
            if time.monotonic() > deadline:
                raise SystemExit("the server did not finish the calls' records within a minute")
            time.sleep(0.05)
    connections.close_all()


def one_round(label, server, url, tenant, agent, count, at_once) -> dict:
    from django.db import connections

    calls = streams.new_calls(tenant, agent, count)
    connections.close_all()
    cpu_before = streams.cpu_seconds(server.pid)
    firsts = asyncio.run(all_calls(url, calls, at_once, streams.AUTH_TOKEN if label == "ours" else ""))
    if label == "ours":
        wait_until_finished(tenant, [call_id for call_id, *_ in calls])
    cpu_ms = (streams.cpu_seconds(server.pid) - cpu_before) * 1000 / count
    received = [first for first in firsts if first is not None]
    return {
        "cpu": cpu_ms,
        "first50": streams.percentile(received, 0.5),
        "first99": streams.percentile(received, 0.99),
        "missing": count - len(received),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--at-once", type=int, default=5, help="Calls under way at any time.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=8775, help="Ours; the baseline listens on the next port.")
    parser.add_argument(
        "--pin",
        action=argparse.BooleanOptionalAction,
        default=len(os.sched_getaffinity(0)) >= 2,
        help="Servers on core 0, the callers on the others.",
    )
    args = parser.parse_args()

    tenant, agent = streams.set_up()
    port = args.port
    ours = streams.start_server(port, streams.server_command(streams.DEFAULT_SERVER, port), args.pin)
    base = streams.start_server(
        args.port + 1, [sys.executable, "bench/media_baseline.py", str(args.port + 1)], args.pin
    )
    if args.pin:
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[1:]))
    servers = [
        ("ours", ours, f"ws://127.0.0.1:{port}/ws/twilio/media/{streams.TENANT}/"),
        ("baseline", base, f"ws://127.0.0.1:{port + 1}/"),
    ]
    try:
        print(f"{args.calls} calls per round, {args.at_once} at once; pinned: {args.pin}")
        print(f"{'round':<6} {'server':<9} {'CPU ms/call':>12} {'1st p50':>9} {'1st p99':>9} {'no greeting':>12}")
        for number in range(1, args.rounds + 1):
            rows = {}
            for label, server, url in servers:
                rows[label] = row = one_round(label, server, url, tenant, agent, args.calls, args.at_once)
                print(
                    f"{number:<6} {label:<9} {row['cpu']:>12.1f} {row['first50']:>9.1f} {row['first99']:>9.1f}"
                    f" {row['missing']:>12}",
                    flush=True,
                )
            # A few calls can cost the baseline less than a clock tick of CPU time.
            ratio = rows["ours"]["cpu"] / rows["baseline"]["cpu"] if rows["baseline"]["cpu"] else float("nan")
            print(f"{number:<6} {'ours/base':<9} {ratio:>11.1f}x", flush=True)
    finally:
        streams.stop_servers((ours, base))


if __name__ == "__main__":
    main()
