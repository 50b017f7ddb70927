"""The web process: daphne on uvloop, `python -m config.asgi_server [--processes N] [daphne's own arguments]`, e.g.
`python -m config.asgi_server --processes 2 -b 0.0.0.0 -p 8000 config.asgi:application`.

daphne runs Twisted on an asyncio loop that it makes when `daphne.server` is first imported; with uvloop's policy
in place first, that loop is uvloop's, which handles socket events for less. Everything else is daphne's command
line, unchanged. Twilio's media streams have a process of their own (`config.media_server`).

One daphne process serves HTTP on one core at most (Python runs one thread at a time). `--processes N` (default
`WEB_PROCESSES`, else 1) opens N listening sockets on the one port here (SO_REUSEPORT: the kernel spreads new
connections evenly over them), then runs a daphne process on each. Not one socket shared by all: the process that
woke first accepted every waiting connection at once, so a burst of new connections all went to one process and
the others stayed idle. This process only watches them: SIGTERM or SIGINT stops them all, and when one exits on its own the others are stopped too and this
process exits with its status (so whatever runs the web process notices and restarts it whole). Each daphne process
has its own database pool (`DB_POOL_MAX_SIZE`) and request threads (`WEB_HTTP_THREADS`).
"""

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import uvloop

# daphne's defaults, for the socket opened here.
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000
LISTEN_BACKLOG = 1024
# Set in each daphne process started by `--processes`: the pid that started it.
SUPERVISOR_ENV = "WEB_SUPERVISOR_PID"


def _arguments(argv):
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--processes", type=int, default=int(os.environ.get("WEB_PROCESSES", 1)))
    parser.add_argument("-b", "--bind", dest="host")
    parser.add_argument("-p", "--port", type=int)
    return parser.parse_known_args(argv)


def serve(daphne_args) -> None:
    """One daphne process, in this process."""
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    from daphne.cli import CommandLineInterface  # only now: importing daphne makes its loop

    if os.environ.get(SUPERVISOR_ENV):
        _stop_when_orphaned(int(os.environ[SUPERVISOR_ENV]))
    CommandLineInterface().run(daphne_args)


def _stop_when_orphaned(supervisor_pid: int) -> None:
    """A daphne process whose supervisor died without stopping it (SIGKILL) stops itself instead of serving on."""

    def watch():
        while os.getppid() == supervisor_pid:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="supervisor-watch", daemon=True).start()


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    listeners = []
    for _ in range(count):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listener.bind((host, port))
        port = listener.getsockname()[1]  # port 0: the others take the one the first was given
        listener.listen(LISTEN_BACKLOG)
        listener.setblocking(False)  # Twisted adopts it as it is
        listeners.append(listener)
    return listeners


def supervise(processes: int, host: str, port: int, daphne_args) -> int:
    """`processes` daphne processes, each on a socket of its own on the one port; returns the exit status."""
    env = {**os.environ, SUPERVISOR_ENV: str(os.getpid())}
    children = []
    for listener in listening_sockets(host, port, processes):
        fd = listener.fileno()
        command = [sys.executable, "-m", "config.asgi_server", "--processes", "1", "--fd", str(fd), *daphne_args]
        children.append(subprocess.Popen(command, env=env, pass_fds=[fd]))
        listener.close()  # its daphne process holds it

    stopping = []

    def stop(signum, _frame):
        # SIGTERM whatever this process got: a daphne process started in the background may ignore SIGINT.
        stopping.append(signum)
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    ended = None
    while ended is None:
        ended = next((child for child in children if child.poll() is not None), None)
        if ended is None:
            time.sleep(0.2)
    # Asked to stop: a clean exit. Else a daphne process ended on its own: a failure, whatever its status.
    status = 0 if stopping else (ended.returncode if ended.returncode > 0 else 1)
    if status:
        print(f"daphne process {ended.pid} exited ({ended.returncode}): stopping the others", file=sys.stderr)
        stop(signal.SIGTERM, None)
    for child in children:
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    return status


def main(argv=None) -> None:
    options, daphne_args = _arguments(sys.argv[1:] if argv is None else argv)
    if options.processes <= 1:
        bind = (["-b", options.host] if options.host else []) + (
            ["-p", str(options.port)] if options.port is not None else []
        )
        serve(bind + daphne_args)
        return
    host = options.host or DEFAULT_HOST
    if ":" in host:
        # daphne adopts an inherited socket as IPv4 only.
        sys.exit("--processes above 1 listens on an IPv4 address only")
    port = DEFAULT_PORT if options.port is None else options.port
    sys.exit(supervise(options.processes, host, port, daphne_args))


if __name__ == "__main__":
    main()
