"""Server processes of the platform for a test, started on a free port against the test database: the web process
as the README runs it (`web_server`), or any command line (`running_server`)."""

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RunningServer:
    address: str  # host:port
    log_path: str
    pid: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    @property
    def channel_layer_prefix(self) -> str:
        """The server's channel layer (config.test_settings names it by process), for a test to reach its sockets."""
        from django.conf import settings

        return f"test-{settings.CHECKOUT_ID}-{self.pid}"

    def log(self) -> str:
        """What the server wrote so far."""
        return Path(self.log_path).read_text(errors="replace")


@contextmanager
def running_server(command_for_port, **env):
    """`command_for_port(port)`: the command line, run with `env` added to the environment; yields a
    `RunningServer` once the server accepts connections, and stops it on exit."""
    settings = connection.settings_dict
    port = free_port()
    # The server's log goes to a file: a pipe nobody reads would stop a chatty server once it is full.
    with tempfile.NamedTemporaryFile(prefix="server-", suffix=".log") as log:
        process = subprocess.Popen(
            command_for_port(port),
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.test_settings",
                "LOG_FORMAT": "text",  # tests read tracebacks in the log as they are printed
                "DATABASE_URL": f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}",
                **env,
            },
            stdout=log,
            stderr=log,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        raise RuntimeError("the server did not start: " + log.read().decode()[-2000:]) from None
                    time.sleep(0.1)
            yield RunningServer(f"127.0.0.1:{port}", log.name, process.pid, process)
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


def web_server(**env):
    """The web process (`python -m config.asgi_server`, daphne) as `scripts/run` starts it."""
    return running_server(
        lambda port: [
            PYTHON,
            "-m",
            "config.asgi_server",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "config.asgi:application",
        ],
        **env,
    )


class ConnectionCount:
    """Counts PostgreSQL connections by application_name, on a connection of its own (any thread may ask)."""

    def __init__(self):
        import psycopg

        settings = connection.settings_dict
        self.db = psycopg.connect(
            host=settings["HOST"],
            port=settings["PORT"],
            user=settings["USER"],
            dbname=settings["NAME"],
            autocommit=True,
        )
        self.lock = threading.Lock()

    def __call__(self, application_name: str) -> int:
        with self.lock:
            query = "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
            return self.db.execute(query, [application_name]).fetchone()[0]

    def close(self):
        self.db.close()
