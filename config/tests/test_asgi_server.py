"""`python -m config.asgi_server`: the web process, daphne on uvloop, serving the platform over HTTP and WebSocket."""

import contextlib
import http.client
import json
import os
import signal
import time
import urllib.request

import pytest
import websockets.sync.client
from websockets.exceptions import InvalidStatus

from config.tests.servers import web_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(django_db_setup):
    with web_server() as running:
        yield running.address


def test_it_answers_http(server, committed_db):
    with urllib.request.urlopen(f"http://{server}/health", timeout=10) as response:
        assert response.status == 200


def post_chunked(server, path, chunks):
    """A body sent chunked, without a Content-Length."""
    connection = http.client.HTTPConnection(server, timeout=30)
    headers = {"Host": "localhost", "Content-Type": "application/json"}
    connection.request("POST", path, body=iter(chunks), headers=headers, encode_chunked=True)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def test_a_chunked_body_is_read(server, committed_db):
    status, body = post_chunked(server, "/api/auth/login", [b'{"email": "nobody@example.com",', b' "password": "x"}'])
    assert (status, body["error_code"]) == (401, "invalid_credentials")  # not a 400 for a body taken as empty


def test_a_chunked_body_over_the_limit_is_413(server, committed_db):
    status, body = post_chunked(server, "/api/auth/login", [b"x" * 1024 * 1024] * 6)
    assert (status, body["error_code"]) == (413, "request_too_large")


def test_it_routes_websocket_upgrades_to_the_platform(server, committed_db):
    # The media stream's consumer refuses an upgrade without Twilio's signature: daphne answers it with a 403.
    with pytest.raises(InvalidStatus) as refused:
        websockets.sync.client.connect(f"ws://{server}/ws/twilio/media/acme/", open_timeout=10)
    assert refused.value.response.status_code == 403


def children_of(pid: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/stat") as stat:
                if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                    children.append(int(entry))
    return children


def is_running(pid: int) -> bool:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    return False


def wait_until(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.1)


@pytest.fixture
def two_process_server(django_db_setup):
    with web_server(WEB_PROCESSES="2") as running:
        wait_until(lambda: len(children_of(running.pid)) == 2)
        yield running


def health(server, timeout=60):
    # A new connection each time; the first waits in the socket's queue while the processes start.
    with urllib.request.urlopen(f"http://{server.address}/health", timeout=timeout) as response:
        return response.status


def cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def test_new_connections_are_spread_over_its_processes(two_process_server, committed_db):
    processes = children_of(two_process_server.pid)
    health(two_process_server)
    time.sleep(1)  # both processes started, idle
    before = {pid: cpu_ticks(pid) for pid in processes}
    # A burst of new connections, as a client whose requests pile up opens them, then requests on each in turn.
    connections = [http.client.HTTPConnection(two_process_server.address, timeout=60) for _ in range(16)]
    for connection in connections:
        connection.connect()
    for _ in range(10):
        for connection in connections:
            connection.request("GET", "/health", headers={"Host": "localhost"})
            assert connection.getresponse().read()
    for connection in connections:
        connection.close()
    assert all(cpu_ticks(pid) - before[pid] >= 2 for pid in processes), before  # each served some of them


def test_stopping_the_server_stops_every_process(two_process_server, committed_db):
    processes = children_of(two_process_server.pid)
    os.kill(two_process_server.pid, signal.SIGTERM)
    assert two_process_server.process.wait(30) == 0
    assert not any(is_running(pid) for pid in processes)


def test_a_process_that_dies_stops_the_server_with_a_failure(two_process_server, committed_db):
    dying, other = children_of(two_process_server.pid)
    os.kill(dying, signal.SIGKILL)
    assert two_process_server.process.wait(30) != 0  # whatever runs the server sees it fail, and restarts it whole
    wait_until(lambda: not is_running(other))
    assert f"daphne process {dying} exited" in two_process_server.log()
