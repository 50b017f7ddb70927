"""N concurrent simulated phone calls against one media process, with instant fake STT and TTS, and the same
load against a baseline: a bare `websockets` server doing only the per-frame work (`bench/media_baseline.py`).

    .venv/bin/python bench/media_streams.py [--server all | uvicorn-websockets-sansio,daphne ...]
        [--calls 100,200,300] [--seconds 20] [--clients 2] [--ramp 2] [--no-pin] [--no-baseline] [--smoke]

`--server` names the servers to compare (`config.media_server.SERVERS`; the default is the platform's). For each
row, each server runs alone, started afresh on `--port`;
`--smoke` is a tiny run (2 calls of a few seconds) that only shows the bench works (the test suite runs it). The
exit status is 1 if any call failed.

Each call is Twilio's side of a media stream in real time (`calls.simulator`): 50 frames a second each
way, the caller saying a short sentence (flite, about 1 s) every few seconds, marks echoed as audio plays. Printed per N and server:
- frames/s: 20 ms frames of audio handled by the server per second (caller frames in + agent audio out; the
  agent's goes out in bursts of several frames per message, as Twilio allows);
- late: 20 ms slots in the middle of an agent answer with no audio to play (gaps a caller would hear);
- turn overhead p50/p99: from the moment the caller has sent the end-of-turn silence the pipeline waits for
  (`calls.media.vad.END_SILENCE_MS` after its last speech frame) to the first frame of the answer: queueing,
  the engine, the database writes, the event loop; STT and TTS take no time here. Counted from that frame
  being sent, not from the last speech frame plus END_SILENCE_MS: a caller process that falls behind sends
  the silence late, and that delay is the caller's, not the server's (`SimulationResult.turn_overheads_ms`);
- first frame p50/p99: from `start` to the first frame of the greeting. The calls are made as the voice webhook
  leaves them: the greeting synthesized and named in the stream's `greeting` parameter (`calls.media.greetings`),
  so it plays while the server sets the call up;
- the server's CPU use over the run (user + system time over wall time, in % of one core), its peak memory
  (RSS) during the run, and that peak above its RSS just before the run, per call (MB/call); the 1-minute load average when the row was printed, and "steal": the share of this
  machine's CPU time over the run that its host gave to other machines (the machine is shared: at a few
  percent, every process here runs slower at moments nobody here chose);
- server p50/p99 (ours only): the same turn overhead as the server itself timed and stored it (each agent turn's
  `total_ms`, from the caller's last voiced frame to the first frame of the answer, less the END_SILENCE_MS it
  waits for): the server's own part, without the callers' delays in sending and reading (but with any unevenness in
  when the caller's frames between those two arrived); "nan" for the baseline, which stores nothing;
- caller lag p99: how late the callers' own event loops ran (a 5 ms timer, sampled all through the run).
  The callers measure every figure above, so their lag is in them too: where it nears the goal, the row says
  more about the machine than about the server;
then "ours/base", per server: its figure over the baseline's (late and turn p99 as differences, in frames and
ms), and whether the row meets the goal.
The first line says how fast this machine runs plain Python on the server's core (a fixed loop, best of
three): machines here differ by 2-3x from one day to the next, and these figures move with it.
Goal: 200 calls with no late frames, turn p99 within 20 ms of the baseline's, under 1 MB per call. Uses its own
database (`BENCH_DATABASE_URL` to name another).

The calls start evenly over `--ramp` seconds: 2 by default, a burst of N calls at once (the goal's case);
a longer ramp shows the steady state, once the start-up burst is out of the way.

With two or more cores (and unless `--no-pin`), each server runs pinned to core 0 and the caller processes
to the other cores, so the figures are the server's own capacity on one core, not a share of it.

Each server process is `python -m config.media_server --server NAME bench.media_streams:application`, the media
process as the platform runs it, with the instant providers registered under the name "instant". Before its row,
each server takes a few short calls (`WARM_UP_CALLS`).
"""

import argparse
import asyncio
import functools
import math
import multiprocessing
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.database import recreate_database  # noqa: E402
from config.media_server import DEFAULT_SERVER, SERVERS  # noqa: E402

BENCH_DB = "voiceagents_bench_media"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("SECRET_KEY", "bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Callers here answer every prompt; silence prompts would only add noise to the turn figures.
os.environ.setdefault("CALL_SILENCE_TIMEOUT_MS", "60000")

TENANT = "bench"
# The bench tenant's Twilio auth token: callers sign the media-stream upgrade with it, as Twilio does.
AUTH_TOKEN = "b" * 32
CALLER_SAYS = "Yes, that works."
ANSWER_MS = 1200
FLOW = {
    "schema_version": 1,
    "nodes": [
        {
            "id": "ask",
            "type": "question",
            "start": True,
            "text": "Go on.",
            "variable": "said",
            "next": "ask",
            "max_visits": 100,
            "on_max_visits": "bye",
        },
        {"id": "bye", "type": "action", "action": "end_call", "text": "Goodbye."},
    ],
}


@functools.cache
def caller_speech():
    """What each caller says, made once per process: speech, as the voice-activity detector needs to hear."""
    from agents.providers.flite import FliteTTS

    return FliteTTS(sample_rate=8000).synthesize(CALLER_SAYS, voice="awb")


@functools.cache
def tone(ms: int, rate: int = 8000, hz: int = 300):
    """Made once per process: a caller building it per call would stall its other calls for milliseconds."""
    from agents.providers.base import Audio

    count = rate * ms // 1000
    return Audio(
        struct.pack(f"<{count}h", *(int(9000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(count))), rate
    )


# What the instant STT hears for a node expecting one of these (`bench/voice_latency.py` walks a real flow with it).
HEARD_FOR = {"name": "Jane Doe", "date": "Tuesday", "time": "10 am", "yes_no": "yes", "digits": "4217"}


class InstantSTT:
    """Hears, at once, the node's first option or an answer of the kind it expects; "hello" where it expects none."""

    def transcribe(self, audio, *, language="en-US", expect=None):
        from agents.providers.base import Transcription

        if expect is not None and expect.phrases:
            return Transcription(expect.phrases[0], 1.0, 0.0)
        kinds = [kind for kind in (expect.classes if expect is not None else ()) if kind in HEARD_FOR]
        return Transcription(HEARD_FOR[kinds[0]] if kinds else "hello", 1.0, 0.0)


class InstantTTS:
    answer = None

    def synthesize(self, text, *, voice="", language="en-US"):
        if InstantTTS.answer is None:
            InstantTTS.answer = tone(ANSWER_MS, hz=500)
        return InstantTTS.answer

    voices_for = staticmethod(lambda language="": [])
    is_valid_voice = staticmethod(lambda voice: True)


def register_instant_providers():
    from agents.providers import registry

    # The registry has no public way to add providers: they are part of the product, these only of the bench.
    for kind, target in (("stt", "bench.media_streams:InstantSTT"), ("tts", "bench.media_streams:InstantTTS")):
        info = registry.ProviderInfo(kind, "instant", target)
        registry._PROVIDERS.append(info)
        registry._BY_KEY[(kind, "instant")] = info


def __getattr__(name):
    """`bench.media_streams:application` for the media server: the media process's application with the instant
    providers."""
    if name != "application":
        raise AttributeError(name)
    from config.asgi import media_application

    register_instant_providers()
    return media_application


# -- set-up ---------------------------------------------------------------------------------------------------


def set_up():
    """A tenant with an agent on a looping flow, spoken and heard by the instant providers."""
    import django

    recreate_database()
    django.setup()
    register_instant_providers()  # here too: new calls have their greeting synthesized, as the voice webhook does
    from django.core.management import call_command
    from django_tenants.utils import tenant_context

    from agents.models import Agent
    from agents.services.templates import create_template
    from calls.models import TwilioAccount
    from tenants.services import create_tenant

    call_command("migrate_platform", verbosity=0)
    tenant = create_tenant(name="Bench", slug=TENANT)
    with tenant_context(tenant):
        TwilioAccount.objects.create(pk=1, account_sid="AC" + "0" * 32, auth_token=AUTH_TOKEN)
        template = create_template(flow=FLOW, name="Echo")
        agent = Agent.objects.create(
            name="Bench", greeting="Hi.", template=template, stt_provider="instant", tts_provider="instant"
        )
    return tenant, agent


def new_calls(tenant, agent, count):
    """(id, CallSid, greeting) of `count` new inbound calls, as the voice webhook leaves them: the greeting is the
    stream's parameter of that name, the cache key of the greeting's audio it had synthesized."""
    from django_tenants.utils import tenant_context

    from calls import services as calls
    from calls.media import greetings
    from calls.media.speech import stored_audio
    from calls.models import Call

    with tenant_context(tenant):
        made = [
            (call.pk, call.twilio_call_sid, greetings.prepare(call))
            for call in (
                calls.start_call(
                    direction=Call.Direction.INBOUND,
                    agent=agent,
                    flow_version=agent.template.latest_version,
                    twilio_call_sid="CA" + uuid.uuid4().hex,
                    status=Call.Status.RINGING,
                )
                for _ in range(count)
            )
        ]
    # Synthesized (on a pool) before the callers fork and the calls ring: Twilio opens a stream a moment after.
    deadline = time.monotonic() + 10
    while not all(greeting and stored_audio(greeting) for *_, greeting in made):
        if time.monotonic() > deadline:
            raise SystemExit("the calls' greeting was not synthesized within 10 s (see the log above)")
        time.sleep(0.01)
    return made


SERVER_CORE = 0
BASELINE = "baseline"
# Short calls each server takes before its row: what it loads lazily (providers, the engine), and the first
# queries on the bench's new tables, stay out of the row's figures.
WARM_UP_CALLS = 10
# Wide enough for every server's name.
LABEL = max(map(len, (*SERVERS, "ours/base"))) + 1


def server_command(server: str, port: int) -> list[str]:
    """The media process as the platform runs it (`config.media_server`), on `server`, with the instant providers."""
    return [
        sys.executable,
        "-m",
        "config.media_server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--server",
        server,
        "bench.media_streams:application",
    ]


def start_server(port, command, pin, log=None):
    """`log`: a file for the server's stderr; without one, a pipe read only if it fails to start (keep it quiet)."""
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log or subprocess.PIPE)
    if pin:
        os.sched_setaffinity(server.pid, {SERVER_CORE})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"{command} did not start" + (": " + server.stderr.read().decode()[-2000:] if not log else ""))


def stop_servers(servers) -> None:
    servers = list(servers)
    for server in servers:
        server.terminate()
    for server in servers:
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def loop_seconds(core) -> float:
    """Best of three runs of a fixed pure-Python loop, on `core` if given."""
    if core is not None:
        os.sched_setaffinity(0, {core})
    best = float("inf")
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for i in range(5_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return best


def rss_mb(pid) -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


class PeakMemory:
    """The highest RSS of a process while this is open, sampled every 50 ms on a thread."""

    def __init__(self, pid):
        self.pid, self.peak = pid, rss_mb(pid)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._done.wait(0.05):
            self.peak = max(self.peak, rss_mb(self.pid))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb(self.pid))


def machine_ticks() -> tuple[int, int]:
    """(CPU time stolen by the host, all CPU time) of this machine so far, in ticks (/proc/stat)."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    return fields[7], sum(fields[:8])


def cpu_seconds(pid) -> float:
    """User + system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- callers ----------------------------------------------------------------------------------------------------


async def watch_lag(lags: list, every: float = 0.005):
    """How late this process's event loop wakes a timer, in ms, appended to `lags` until cancelled."""
    while True:
        asked = time.monotonic()
        await asyncio.sleep(every)
        lags.append((time.monotonic() - asked - every) * 1000)


async def one_call(url, call_id, call_sid, greeting, seconds, delay):
    from calls.simulator import HangUp, Pause, Say, WaitForAgent, simulate, websocket_transport

    await asyncio.sleep(delay)
    script = [WaitForAgent()]
    for _ in range(int(seconds // 3)):
        script += [Pause(400), Say(caller_speech()), WaitForAgent()]
    script.append(HangUp())
    async with websocket_transport(url, auth_token=AUTH_TOKEN if "/ws/twilio/media/" in url else "") as transport:
        return await simulate(
            transport, script, call_id=call_id, tenant=TENANT, call_sid=call_sid, realtime=True, greeting=greeting
        )


def caller_process(url, calls, seconds, spread, queue, cores):
    lags = []

    async def run():
        started = time.monotonic()
        watcher = asyncio.ensure_future(watch_lag(lags))
        results = await asyncio.gather(
            *(one_call(url, *call, seconds, spread * i / max(1, len(calls))) for i, call in enumerate(calls)),
            return_exceptions=True,
        )
        watcher.cancel()
        return results, time.monotonic() - started

    import gc

    import uvloop

    if cores:
        os.sched_setaffinity(0, cores)
    gc.freeze()
    # uvloop, as the server: the callers share one core, and their own delays would show as the server's.
    results, elapsed = uvloop.run(run())
    summary = {
        "errors": 0,
        "error": "",
        "frames": 0,
        "late": 0,
        "first": [],
        "overheads": [],
        "elapsed": elapsed,
        "lags": lags,
    }
    for result in results:
        if isinstance(result, BaseException):
            summary["errors"] += 1
            summary["error"] = summary["error"] or f"{type(result).__name__}: {result}"[:200]
            continue
        summary["frames"] += result.frames_sent + result.frames_received
        summary["late"] += result.late_frames
        if result.first_frame_ms is not None:
            summary["first"].append(result.first_frame_ms)
        summary["overheads"] += result.turn_overheads_ms
    queue.put(summary)


# The goal, per row of ours: no late frames, turn p99 within this of the baseline's, under 1 MB per call.
GOAL_EXTRA_P99_MS = 20


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def stored_overheads(tenant, call_ids) -> list[float]:
    """The turn overheads our server stored (see the module's docstring), once its calls are finished (up to 10 s)."""
    from django_tenants.utils import tenant_context

    from calls.media.vad import END_SILENCE_MS
    from calls.models import Call, CallTurn

    deadline = time.monotonic() + 10
    with tenant_context(tenant):
        while Call.objects.filter(pk__in=call_ids, ended_at__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        totals = CallTurn.objects.filter(
            call_id__in=call_ids, speaker=CallTurn.Speaker.AGENT, stt_ms__isnull=False, total_ms__isnull=False
        ).values_list("total_ms", flat=True)
        return [total - END_SILENCE_MS for total in totals]


def run(tenant, agent, url, server_pid, count, seconds, clients, cores, ramp, stored: bool) -> dict:
    from django.db import connections

    calls = new_calls(tenant, agent, count)
    # Forked callers must not share (and on exit close) this process's database connection.
    connections.close_all()
    queue = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=caller_process, args=(url, calls[i::clients], seconds, ramp, queue, cores))
        for i in range(clients)
    ]
    idle = rss_mb(server_pid)
    cpu_before, started, ticks_before = cpu_seconds(server_pid), time.monotonic(), machine_ticks()
    with PeakMemory(server_pid) as memory:
        for worker in workers:
            worker.start()
        summaries = [queue.get() for _ in workers]
    cpu = (cpu_seconds(server_pid) - cpu_before) / (time.monotonic() - started)
    stolen, total = (after - before for after, before in zip(machine_ticks(), ticks_before))
    for worker in workers:
        worker.join()
    elapsed = max(summary["elapsed"] for summary in summaries)
    overheads = [value for summary in summaries for value in summary["overheads"]]
    first = [value for summary in summaries for value in summary["first"]]
    server = stored_overheads(tenant, [call_id for call_id, *_ in calls]) if stored else []
    return {
        "frames": sum(s["frames"] for s in summaries) / elapsed,
        "late": sum(s["late"] for s in summaries),
        "server50": percentile(server, 0.5),
        "server99": percentile(server, 0.99),
        "turn50": percentile(overheads, 0.5),
        "turn99": percentile(overheads, 0.99),
        "first50": percentile(first, 0.5),
        "first99": percentile(first, 0.99),
        "rss": memory.peak,
        "rss_per_call": (memory.peak - idle) / count,
        "cpu": cpu * 100,
        "lag99": percentile([lag for summary in summaries for lag in summary["lags"]], 0.99),
        "errors": sum(s["errors"] for s in summaries),
        "turns": len(overheads),
        "steal": 100 * stolen / total if total else 0.0,
        "error": next((s["error"] for s in summaries if s["error"]), ""),
    }


def print_row(label, count, row):
    print(
        f"{label:<{LABEL}} {count:>5} {row['frames']:>10.0f} {row['late']:>6} {row['turn50']:>9.1f}"
        f" {row['turn99']:>9.1f} {row['first50']:>9.1f} {row['first99']:>9.1f} {row['server50']:>10.1f}"
        f" {row['server99']:>10.1f} {row['cpu']:>6.0f} {row['rss']:>8.0f} {row['rss_per_call']:>8.2f}"
        f" {row['lag99']:>11.1f}"
        f" {row['errors']:>7}"
        f" {os.getloadavg()[0]:>6.2f} {row['steal']:>6.1f}  ({row['turns']} turns)",
        flush=True,
    )
    if row["error"]:
        print(f"{'':<{LABEL}} first error: {row['error']}", flush=True)


def print_ratios(label, count, ours, base):
    def ratio(key):
        return ours[key] / base[key] if base[key] else float("nan")

    extra = ours["turn99"] - base["turn99"]
    met = ours["late"] == 0 and ours["errors"] == 0 and extra <= GOAL_EXTRA_P99_MS and ours["rss_per_call"] < 1
    print(
        f"{'ours/base':<{LABEL}} {count:>5} {ratio('frames'):>9.2f}x {ours['late'] - base['late']:>+6}"
        f" {ratio('turn50'):>8.2f}x {ratio('turn99'):>8.2f}x {ratio('first50'):>8.2f}x {ratio('first99'):>8.2f}x"
        f" {'':>10} {'':>10} {ratio('cpu'):>5.2f}x {ratio('rss'):>7.2f}x {'':>8} {'':>11}"
        f"   {label}: turn p99 {extra:+.1f} ms, goal {'met' if met else 'missed'}",
        flush=True,
    )


def parse_list(values, kind=str):
    """`--x 1,2 3`: [1, 2, 3]."""
    return [kind(item) for value in values for item in value.split(",") if item]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--server",
        nargs="+",
        default=[DEFAULT_SERVER],
        help=f"Media servers to compare, or all: {', '.join(SERVERS)} (default {DEFAULT_SERVER}).",
    )
    parser.add_argument("--calls", nargs="+", default=["10,50,100,200"], help="Concurrent calls per row: 100,200,300.")
    parser.add_argument("--seconds", type=float, default=20, help="Length of each call.")
    parser.add_argument("--ramp", type=float, default=2.0, help="Seconds over which the calls start.")
    parser.add_argument("--clients", type=int, default=2, help="Processes playing the callers.")
    parser.add_argument("--port", type=int, default=8765, help="Where each server listens, in turn.")
    parser.add_argument(
        "--pin",
        action=argparse.BooleanOptionalAction,
        default=len(os.sched_getaffinity(0)) >= 2,
        help="Server on core 0, callers on the others.",
    )
    parser.add_argument(
        "--baseline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Also run the baseline server (off: only ours, for comparing variants of it).",
    )
    parser.add_argument("--smoke", action="store_true", help="A tiny run that only shows it works: 2 short calls.")
    args = parser.parse_args()
    names = SERVERS if args.server == ["all"] else parse_list(args.server)
    if unknown := [name for name in names if name not in SERVERS]:
        parser.error(f"unknown server {', '.join(unknown)}: choose from {', '.join(SERVERS)} or all")
    counts = parse_list(args.calls, int)
    if args.smoke:
        counts, args.seconds, args.ramp, args.clients = [2], 4.0, 0.5, 1

    cores = set(sorted(os.sched_getaffinity(0))[1:]) if args.pin else None
    if not args.smoke:
        with multiprocessing.Pool(1) as pool:
            speed = pool.apply(loop_seconds, (SERVER_CORE if args.pin else None,))
        print(f"machine: a 5M-step Python loop takes {speed * 1000:.0f} ms on the server's core", flush=True)
    tenant, agent = set_up()
    print(
        f"{'server':<{LABEL}} {'calls':>5} {'frames/s':>10} {'late':>6} {'turn p50':>9} {'turn p99':>9}"
        f" {'1st p50':>9} {'1st p99':>9} {'server p50':>10} {'server p99':>10} {'CPU %':>6} {'RSS MB':>8}"
        f" {'MB/call':>8} {'caller lag':>11} {'errors':>7} {'load1':>6} {'steal%':>6}"
        f"   (ms; pinned: {args.pin}; ramp {args.ramp:g} s; calls of {args.seconds:g} s)",
        flush=True,
    )
    failed = False
    for count in counts:
        rows = {}
        runs = [
            (name, server_command(name, args.port), f"ws://127.0.0.1:{args.port}/ws/twilio/media/{TENANT}/")
            for name in names
        ]
        if args.baseline:
            runs.append(
                (BASELINE, [sys.executable, "bench/media_baseline.py", str(args.port)], f"ws://127.0.0.1:{args.port}/")
            )
        for label, command, url in runs:
            # One server at a time, started afresh for each row: each holds database connections of its own.
            server = start_server(args.port, command, args.pin)
            try:
                if not args.smoke:
                    run(tenant, agent, url, server.pid, WARM_UP_CALLS, 3, 1, cores, 0, stored=False)
                rows[label] = run(
                    tenant,
                    agent,
                    url,
                    server.pid,
                    count,
                    args.seconds,
                    args.clients,
                    cores,
                    args.ramp,
                    stored=label != BASELINE,
                )
            finally:
                stop_servers([server])
            print_row(label, count, rows[label])
        if args.baseline:
            for label in names:
                print_ratios(label, count, rows[label], rows[BASELINE])
        failed = failed or any(row["errors"] for row in rows.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
