"""`live_server(**env)`: the platform under daphne (`python -m config.asgi_server`) in a process of its own, on a free
port, against this run's test database. Yields a `LiveServer`: its `address` (`host:port`) and `log()`, what the
server wrote (to a file: a pipe nobody reads would fill up and stop the server)."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    address: str
    log_path: str

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def log(self) -> str:
        return Path(self.log_path).read_text(errors="replace")


@contextmanager
def live_server(**env):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        **env,
    }
    port = free_port()
    with tempfile.NamedTemporaryFile(prefix="live-server-", suffix=".log") as log:
        server = LiveServer(f"127.0.0.1:{port}", log.name)
        process = subprocess.Popen(
            [sys.executable, "-m", "config.asgi_server", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail("the server did not start: " + server.log()[-2000:])
                time.sleep(0.1)
        try:
            yield server
        finally:
            process.terminate()
            process.wait(10)
