"""The REST API under load: a fixed arrival rate of authenticated reads and writes across many tenants against the
web server as the README runs it (`python -m config.asgi_server --processes N ... config.asgi:application`, the real
settings, N daphne processes: as many as the machine has cores unless `--processes`), and the same rates against a
baseline under the same server and layout: a bare Django view returning a constant (`bench/api_baseline.py`: no
middleware, no database).

    .venv/bin/python bench/api_load.py [--rates 50 100 200] [--seconds 20] [--tenants 20] [--soak SECONDS]
        [--processes N] [--compare-no-pool] [--no-pin] [--smoke]

Open loop: request i is due at i / rate seconds, whether or not the ones before it have been answered, and its
latency counts from that moment (a server that falls behind shows it, instead of slowing the load down). The mix,
each request with the API key of one of the tenants (`Host: api.<base domain>`, the shared API host): list
agents, list calls, read a call, read a contact, create a contact. Printed per rate and server:
- done/s: answered requests per second; p50/p99/max: latency in ms; errors: anything but the expected 2xx
  (the first one is printed under the row);
- PG conns max/end: the PostgreSQL connections the server's processes held (pg_stat_activity by their
  application_name, sampled every 0.5 s), the most during the row and at its end;
- CPU %: the server's user + system time over the row (all its processes), in % of one core; CPU ms/req: the same
  per request, the figure that moves least on a shared machine;
- wait %: how long the server's threads were ready to run but waited for a CPU, in % of the row (summed over
  threads, so it can pass 100): well above 0, the machine gave the server less CPU than it asked for, and its
  latency shows the machine rather than the server;
- load1: the machine's 1-minute load average as the row ends (other work on the machine shows in every figure).
Goals: p99 < 50 ms at 200 requests/s with no errors; connections bounded by the server's pools (N processes x
DB_POOL_MAX_SIZE) and flat over a soak. `--soak SECONDS` then runs ours for that long at `--soak-rate` (default: the highest rate),
printing the connections held every 5 s. The pool is as the settings make it (DB_POOL_*); `--compare-no-pool` adds a third server, ours
without a pool (a new connection per request, CONN_MAX_AGE=0), its rows beside the others.

With more cores than server processes (and unless `--no-pin`), the server runs on the first N cores and the load
generator on the others; otherwise they share the machine's cores.
Uses its own database. `--smoke`: a few tenants, a second per rate (the test suite runs it so it cannot rot).
"""

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.database import migrated_database  # noqa: E402

BENCH_DB = "voiceagents_bench_api"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
os.environ.setdefault("SECRET_KEY", "bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The bench's keys make hundreds of requests a second: far above the platform's default API rate limits
# (config/ratelimit.py; the bench tenants' plan sets none of its own).
os.environ.setdefault("RATELIMIT_PER_MINUTE", "1000000")
os.environ.setdefault("RATELIMIT_PER_HOUR", "100000000")
os.environ.setdefault("LOG_LEVEL", "ERROR")

SERVERS = {
    # label: (settings module, application_name of its database connections, more environment)
    "ours": ("config.settings", "voiceagents-bench-api", {}),
    "no pool": ("config.settings", "voiceagents-bench-nopool", {"DB_POOL_MAX_SIZE": "0"}),
    "baseline": ("bench.api_baseline", "voiceagents-bench-baseline", {}),
}


# Before the first row, per server: code loaded on first use and the first pooled connections are not what a row
# measures.
WARM_UP_REQUESTS = 20


def set_up(tenants: int, contacts: int, calls: int) -> list[dict]:
    """`tenants` tenants, each with an owner, an API key, an agent, some contacts and some finished calls."""
    migrated_database()
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from accounts.models import User
    from accounts.services import create_api_key
    from agents.models import Agent
    from billing.models import Plan
    from billing.services import assign_plan
    from calls.models import Call
    from contacts.models import Contact
    from tenants.services import create_tenant

    made = []
    now = timezone.now()
    enterprise = Plan.objects.get(slug="enterprise")
    for number in range(tenants):
        owner = User.objects.create_user(f"owner{number}@bench.example", "Bench-Pass-1")
        tenant = create_tenant(name=f"Bench {number}", slug=f"bench{number}", owner=owner)
        assign_plan(tenant, enterprise)  # no plan limit gets in the way of what is measured
        _, secret = create_api_key(tenant=tenant, created_by=owner, name="bench", scopes=["read", "write", "calls"])
        with tenant_context(tenant):
            agent = Agent.objects.create(name="Bench")
            contact_ids = [
                Contact.objects.create(phone=f"+1415{2000000 + number * 1000 + n:07d}", first_name="Ann").pk
                for n in range(contacts)
            ]
            call_ids = [
                Call.objects.create(
                    direction=Call.Direction.INBOUND,
                    status=Call.Status.COMPLETED,
                    agent=agent,
                    from_number="+14155550100",
                    to_number="+14155550101",
                    started_at=now,
                    ended_at=now,
                    duration_seconds=30,
                ).pk
                for _ in range(calls)
            ]
        made.append({"key": secret, "contacts": contact_ids, "calls": call_ids, "number": number})
    from django.db import connections

    connections.close_all()
    return made


# -- the servers -------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(label: str, processes: int, pin: bool, log) -> tuple[subprocess.Popen, str]:
    settings_module, application_name, more = SERVERS[label]
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, "DB_APPLICATION_NAME": application_name, **more}
    command = [
        sys.executable,
        "-m",
        "config.asgi_server",
        "--processes",
        str(processes),
        "-b",
        "127.0.0.1",
        "-p",
        str(port),
        "config.asgi:application",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    if pin:  # before it starts its daphne processes, which inherit it
        os.sched_setaffinity(server.pid, server_cores(processes))
    # Until it answers HTTP: with --processes the socket takes connections before a daphne process serves them.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).close()
            return server, f"http://127.0.0.1:{port}"
        except urllib.error.HTTPError:  # any answer will do
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.1)
    server.kill()
    log.seek(0)
    raise SystemExit(f"the {label} server did not start: " + log.read().decode()[-2000:])


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()


def server_cores(processes: int) -> set[int]:
    return set(sorted(os.sched_getaffinity(0))[:processes])


def _stat(pid) -> list[str]:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()


def _server_pids(pid: int) -> list[int]:
    """A server process and its children (the daphne processes of a `--processes` server)."""
    pids = [pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if int(_stat(entry)[1]) == pid:
                    pids.append(int(entry))
    return pids


def cpu_wait_seconds(pid: int) -> float:
    """How long the server's threads were ready to run but waited for a CPU (/proc/<pid>/task/*/schedstat)."""
    waited = 0
    for each in _server_pids(pid):
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{each}/task"):
                with contextlib.suppress(OSError), open(f"/proc/{each}/task/{task}/schedstat") as schedstat:
                    waited += int(schedstat.read().split()[1])
    return waited / 1e9


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a server's processes."""
    total = 0
    for each in _server_pids(pid):
        with contextlib.suppress(OSError):
            fields = _stat(each)
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


class ConnectionProbe:
    """Counts a server's PostgreSQL connections by their application_name."""

    def __init__(self):
        import psycopg

        self.db = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True, application_name="bench-probe")

    def count(self, application_name: str) -> int:
        return self.db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [application_name]
        ).fetchone()[0]


# -- the load ----------------------------------------------------------------------------------------------------


def api_requests(tenants: list[dict], area: str):
    """An endless mix of (method, path, headers, json, expected status) across the tenants; the contacts it creates
    have numbers in this area code."""
    from django.conf import settings

    pick = random.Random(7)
    phones = itertools.count()
    while True:
        tenant = pick.choice(tenants)
        headers = {"Host": settings.API_HOST, "Authorization": f"Bearer {tenant['key']}"}
        kind = pick.random()
        if kind < 0.2:
            yield "GET", "/api/agents", headers, None, 200
        elif kind < 0.45:
            yield "GET", "/api/calls", headers, None, 200
        elif kind < 0.65:
            yield "GET", f"/api/calls/{pick.choice(tenant['calls'])}", headers, None, 200
        elif kind < 0.85:
            yield "GET", f"/api/contacts/{pick.choice(tenant['contacts'])}", headers, None, 200
        else:
            phone = f"+1{area}{200 + tenant['number']:03d}{next(phones) % 10000:04d}"
            yield "POST", "/api/contacts", headers, {"phone": phone, "first_name": "Bo"}, 201


def baseline_requests():
    while True:
        yield "GET", "/bench/constant", {}, None, 200


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def load(client, requests, rate: float, seconds: float, on_sample=None, sample_every: float = 0.5) -> dict:
    """Sends `rate * seconds` requests, request i due at i / rate s; returns their latencies and errors."""
    loop = asyncio.get_running_loop()
    latencies, errors = [], []

    async def one(method, path, headers, body, expected, due):
        try:
            response = await client.request(method, path, headers=headers, json=body)
            if response.status_code != expected:
                errors.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
        except Exception as error:  # any failure is the row's error, and the run goes on
            # The client's own, named with its module: httpx2's PoolTimeout is its queue, not the server's pool.
            kind = f"{type(error).__module__}.{type(error).__name__}"
            errors.append(f"{method} {path}: {kind}: {error}"[:300])
        latencies.append((loop.time() - due) * 1000)

    async def sample():
        while True:
            await on_sample(loop.time() - started)
            await asyncio.sleep(sample_every)

    started = loop.time()
    sampler = asyncio.ensure_future(sample()) if on_sample else None
    tasks = []
    for i in range(int(rate * seconds)):
        due = started + i / rate
        if due > loop.time():
            await asyncio.sleep(due - loop.time())
        tasks.append(asyncio.ensure_future(one(*next(requests), due)))
    await asyncio.gather(*tasks)
    elapsed = loop.time() - started
    if sampler:
        sampler.cancel()
    return {"latencies": latencies, "errors": errors, "elapsed": elapsed}


async def warm_up(base_url, requests, count: int) -> None:
    """The first requests load code and open connections: `count` of them, one at a time, before any row."""
    import httpx2

    async with httpx2.AsyncClient(base_url=base_url, timeout=30) as client:
        for _ in range(count):
            method, path, headers, body, _ = next(requests)
            await client.request(method, path, headers=headers, json=body)


async def run_row(base_url, requests, rate, seconds, server, application_name, probe) -> dict:
    import httpx2

    held = []

    async def sample(_):
        held.append(await asyncio.to_thread(probe.count, application_name))

    limits = httpx2.Limits(max_connections=500, max_keepalive_connections=500)
    async with httpx2.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        cpu_before, wait_before = cpu_seconds(server.pid), cpu_wait_seconds(server.pid)
        result = await load(client, requests, rate, seconds, on_sample=sample)
        cpu = (cpu_seconds(server.pid) - cpu_before) / result["elapsed"]
        cpu_wait = (cpu_wait_seconds(server.pid) - wait_before) / result["elapsed"]
    held.append(probe.count(application_name))
    latencies = result["latencies"]
    return {
        "done": len(latencies) / result["elapsed"],
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies, default=float("nan")),
        "errors": len(result["errors"]),
        "first_error": result["errors"][0] if result["errors"] else "",
        "held_max": max(held),
        "held_end": held[-1],
        "cpu": cpu * 100,
        "cpu_wait": cpu_wait * 100,
        "cpu_per_request": cpu * result["elapsed"] * 1000 / max(1, len(latencies)),
        "count": len(latencies),
    }


async def soak(base_url, requests, rate, seconds, application_name, probe, every: float = 5.0):
    import httpx2

    samples = []

    async def sample(at):
        held = await asyncio.to_thread(probe.count, application_name)
        samples.append(held)
        print(f"  soak t={at:6.0f} s  PG conns {held:3d}  load1 {os.getloadavg()[0]:.2f}", flush=True)

    limits = httpx2.Limits(max_connections=500, max_keepalive_connections=500)
    async with httpx2.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        result = await load(client, requests, rate, seconds, on_sample=sample, sample_every=every)
    latencies = result["latencies"]
    half = len(samples) // 2
    print(
        f"soak {seconds:.0f} s at {rate:g}/s: {len(latencies)} requests, p50 {percentile(latencies, 0.5):.1f} ms,"
        f" p99 {percentile(latencies, 0.99):.1f} ms, errors {len(result['errors'])};"
        f" PG conns min {min(samples)} max {max(samples)}, first half max {max(samples[:half] or samples)},"
        f" second half max {max(samples[half:])}",
        flush=True,
    )
    if result["errors"]:
        print(f"  first error: {result['errors'][0]}", flush=True)


def last_error(log) -> str:
    """The last exception line the server logged (its log is on stderr), to say what a row's errors were."""
    log.seek(0)
    lines = log.read().decode(errors="replace").splitlines()
    errors = [line for line in lines if re.match(r"^[\w.]+(Error|Exception|Timeout)\b", line)]
    return errors[-1][:300] if errors else ""


def print_row(label, rate, row):
    print(
        f"{label:<9} {rate:>7g} {row['count']:>9} {row['done']:>8.1f} {row['p50']:>8.1f} {row['p99']:>8.1f}"
        f" {row['max']:>8.1f} {row['errors']:>7} {row['held_max']:>9} {row['held_end']:>9} {row['cpu']:>6.0f} {row['cpu_per_request']:>11.2f}"
        f" {row['cpu_wait']:>6.0f} {os.getloadavg()[0]:>6.2f}",
        flush=True,
    )
    if row["first_error"]:
        print(f"{'':<9} first error: {row['first_error']}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", type=float, nargs="+", default=[50, 100, 200], help="Requests per second.")
    parser.add_argument("--seconds", type=float, default=20, help="Length of each row.")
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--soak", type=float, default=0, help="Then this many seconds of ours at --soak-rate.")
    parser.add_argument("--soak-rate", type=float, help="Requests per second of the soak (default: the top rate).")
    parser.add_argument(
        "--processes",
        type=int,
        default=int(os.environ.get("WEB_PROCESSES", 0)) or len(os.sched_getaffinity(0)),
        help="daphne processes of each server (default: WEB_PROCESSES, else the cores, as scripts/run).",
    )
    parser.add_argument(
        "--pin",
        action=argparse.BooleanOptionalAction,
        help="Servers on the first --processes cores, the load generator on the others (default: when there are more"
        " cores than that).",
    )
    parser.add_argument(
        "--compare-no-pool",
        action="store_true",
        help="Also run ours without its connection pool (DB_POOL_MAX_SIZE=0), each row beside the others.",
    )
    parser.add_argument("--smoke", action="store_true", help="A tiny run: 2 tenants, 1 s at 20 requests/s.")
    args = parser.parse_args()
    if args.pin is None:
        args.pin = len(os.sched_getaffinity(0)) > args.processes
    if args.smoke:
        args.tenants, args.rates, args.seconds = 2, [20], 1

    tenants = set_up(args.tenants, contacts=5 if args.smoke else 50, calls=5 if args.smoke else 50)
    from django.conf import settings

    pool = settings.DATABASES["default"]["OPTIONS"].get("pool")
    pooling = f"a pool of at most {pool['max_size']}" if pool else "a new connection per request"
    probe = ConnectionProbe()
    labels = ["ours", "no pool", "baseline"] if args.compare_no_pool else ["ours", "baseline"]
    with contextlib.ExitStack() as stack:
        logs, servers = {}, {}
        for label in labels:
            logs[label] = stack.enter_context(tempfile.TemporaryFile())
            servers[label] = start_server(label, args.processes, args.pin, logs[label])
            stack.callback(stop_server, servers[label][0])
        if args.pin:
            os.sched_setaffinity(0, set(os.sched_getaffinity(0)) - server_cores(args.processes))
        streams = {
            label: api_requests(tenants, area) for label, area in zip(labels, ("628", "650")) if label != "baseline"
        }
        streams["baseline"] = baseline_requests()
        for label, (_, url) in servers.items():
            asyncio.run(warm_up(url, streams[label], WARM_UP_REQUESTS))
        print(
            f"{args.tenants} tenants; {args.seconds:g} s per row; {args.processes} processes per server;"
            f" pinned: {args.pin}; ours: {pooling} per process"
            + ("; no pool: a new connection per request" if args.compare_no_pool else "")
        )
        print(
            f"{'server':<9} {'rate/s':>7} {'requests':>9} {'done/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
            f" {'errors':>7} {'PG max':>9} {'PG end':>9} {'CPU %':>6} {'CPU ms/req':>11} {'wait %':>6} {'load1':>6}"
        )
        for rate in args.rates:
            for label, (server, url) in servers.items():
                row = asyncio.run(run_row(url, streams[label], rate, args.seconds, server, SERVERS[label][1], probe))
                print_row(label, rate, row)
                if row["errors"] and (logged := last_error(logs[label])):
                    print(f"{'':<9} server log: {logged}", flush=True)
        if args.soak:
            server, url = servers["ours"]
            rate = args.soak_rate or max(args.rates)
            asyncio.run(soak(url, streams["ours"], rate, args.soak, SERVERS["ours"][1], probe))


if __name__ == "__main__":
    main()
