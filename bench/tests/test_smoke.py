"""Every benchmark, at a tiny size, so none can rot: each runs as it would by hand (a process of its own, a database
of its own), all at once, each database a copy of one migrated database kept between runs while the migrations
stay the same."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys

import pytest
from django.db import connection

from bench.tests.template import admin_connection, migrated_template
from config.tests.servers import ROOT, free_port

pytestmark = pytest.mark.slow

BENCHES = {
    "engine_turn": ["--calls", "3"],
    "tenant_create": ["--existing", "1", "--repeat", "1"],
    "campaign_dispatch": ["--contacts", "300", "--dnc", "100", "--repeat", "1"],
    "call_starts": ["--calls", "2", "--at-once", "1", "--rounds", "1", "--no-pin"],
    "api_load": ["--smoke", "--no-pin"],
    "stt_accuracy": ["--smoke", "--no-pin"],
    "voice_latency": ["--smoke"],
}


def two_free_ports() -> int:
    """A free port whose next one is free too (call_starts' baseline listens there)."""
    while True:
        port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port


@pytest.fixture(scope="module")
def runs(request, django_db_setup):
    """The selected benchmarks started at once, each on a copy of the migrated template, in a process group of its
    own (its servers too); whatever is left of them is killed, and their databases dropped, after."""
    selected = {item.originalname.removeprefix("test_") for item in request.session.items if item.path == request.path}
    settings = connection.settings_dict
    server = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "bench",
        "LOG_LEVEL": "ERROR",
        "REDIS_KEY_PREFIX": f"{settings['NAME']}-bench:",
        "CHANNEL_LAYER_PREFIX": f"{settings['NAME']}-bench-{os.getpid()}",
    }
    env["BENCH_TEMPLATE_DATABASE"] = migrated_template(server, env)
    databases = {name: f"{settings['NAME']}_{name}" for name in BENCHES}
    arguments = {name: list(args) for name, args in BENCHES.items() if name in selected}
    if "call_starts" in arguments:
        arguments["call_starts"] += ["--port", str(two_free_ports())]
    if "voice_latency" in arguments:
        arguments["voice_latency"] += ["--port", str(free_port())]
    processes = {
        name: subprocess.Popen(
            [sys.executable, f"bench/{name}.py", *args],
            cwd=ROOT,
            env={**env, "BENCH_DATABASE_URL": f"{server}/{databases[name]}"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        for name, args in arguments.items()
    }
    yield processes
    for process in processes.values():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
    with admin_connection() as admin:
        for name in databases.values():
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def output_of(runs, name) -> str:
    stdout, stderr = runs[name].communicate(timeout=300)
    assert runs[name].returncode == 0, stdout[-2000:] + stderr[-3000:]
    return stdout


def test_engine_turn(runs):
    output = output_of(runs, "engine_turn")
    assert re.search(r"^flow  turns=\s+[1-9]\d*  p50=", output, re.M), output
    assert re.search(r"^llm   turns=\s+[1-9]\d*  p50=", output, re.M), output


def test_tenant_create(runs):
    output = output_of(runs, "tenant_create")
    assert re.search(r"^\s+1\s+\d+ ms\s+\d+ ms\s+\d+ ms   clone [\d.]+x, migrate [\d.]+x$", output, re.M), output


def test_campaign_dispatch(runs):
    output = output_of(runs, "campaign_dispatch")
    assert re.search(r"^\s+100 \s+[\d,]+/s .*slower\)$", output, re.M), output


def test_call_starts(runs):
    output = output_of(runs, "call_starts")
    assert re.search(r"^1\s+ours\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+\d+$", output, re.M), output
    assert re.search(r"^1\s+baseline\s+[\d.]+", output, re.M), output


def test_api_load(runs):
    output = output_of(runs, "api_load")
    for server in ("ours", "baseline"):
        assert re.search(rf"^{server}\s+20\s+20\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+0\s", output, re.M), output


def test_stt_accuracy(runs):
    output = output_of(runs, "stt_accuracy")
    for system in ("sphinx", "whisper"):
        assert re.search(rf"^{system}\s+[\d.]+%\s+\d+%\s+\d+%\s+[\d.]+\s+[\d.]+s\s+\d+\s+\d+\s", output, re.M), output
    assert "whisper vs baseline: WER" in output, output


def test_voice_latency(runs):
    output = output_of(runs, "voice_latency")
    for stage in ("greeting", "STT", "TTS first audio", "end to end"):
        assert re.search(rf"^{stage}\s+\d+\s+\d+\s+\d+\s+\d+$", output, re.M), output
    assert "offline end to end p50" in output, output
