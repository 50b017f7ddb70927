"""The server's PostgreSQL connections: bounded by its pool whatever the load, given back when idle, and a pooled
connection always on the schema of the request it serves."""

import asyncio
import os
import threading
import time

import httpx2
import pytest
import websockets.asyncio.client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.tests.factories import access_token
from config.tests.servers import ConnectionCount, web_server
from contacts.models import Contact
from tenants.models import Tenant

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("committed_db")]


@pytest.fixture
def count():
    counter = ConnectionCount()
    yield counter
    counter.close()


def token(name):
    return access_token(User.objects.get(email=f"{name}@example.com"))


def watch(count, application_name, seen: list, stop: threading.Event):
    while not stop.is_set():
        seen.append(count(application_name))
        time.sleep(0.05)


async def http_load(server, requests, concurrency):
    """Sends (host, path, token) requests `concurrency` at a time; returns the statuses and bodies."""
    queue = list(reversed(requests))
    answers = []

    async def worker(client):
        while queue:
            host, path, jwt = queue.pop()
            headers = {"Host": host, **({"Authorization": f"Bearer {jwt}"} if jwt else {})}
            response = await client.get(path, headers=headers)
            answers.append((host, response.status_code, response.json()))

    async with httpx2.AsyncClient(base_url=f"http://{server}", timeout=30) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return answers


async def event_sessions(server, jwt, sessions):
    """`sessions` event-stream WebSockets at once, each let in after its membership is read from the database;
    what each says when opened."""

    async def session():
        url = f"ws://{server}/ws/events/?tenant=acme&token={jwt}"
        async with websockets.asyncio.client.connect(url, open_timeout=30) as ws:
            return ws.state.name

    return await asyncio.gather(*(session() for _ in range(sessions)))


def test_thousands_of_requests_and_a_burst_of_websockets_hold_no_more_than_the_pool_and_give_it_back(count):
    name = f"voiceagents-test-web-{os.getpid()}"
    alice = token("alice")
    requests = [("localhost", "/health", None), ("acme.localhost", "/api/contacts", alice)] * 1000
    seen, stop = [], threading.Event()
    with web_server(DB_APPLICATION_NAME=name, DB_POOL_MAX_SIZE="4", DB_POOL_MAX_IDLE="0.5") as running:
        server = running.address
        watcher = threading.Thread(target=watch, args=(count, name, seen, stop))
        watcher.start()
        try:
            answers = asyncio.run(http_load(server, requests, concurrency=20))
            opened = asyncio.run(event_sessions(server, alice, sessions=50))
        finally:
            stop.set()
            watcher.join()
        deadline = time.monotonic() + 15
        while count(name) > 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        idle = count(name)

    assert sorted({status for _, status, _ in answers}) == [200]
    assert len(answers) == 2000
    assert opened == ["OPEN"] * 50
    assert 1 <= max(seen) <= 4
    assert idle == 0


def test_one_pooled_connection_serving_two_tenants_in_turn_shows_each_only_its_own_rows(count):
    with schema_context(Tenant.schema_name_for("acme")):
        Contact.objects.create(phone="+14155550101", first_name="Acme")
    with schema_context(Tenant.schema_name_for("globex")):
        Contact.objects.create(phone="+14155550102", first_name="Globex")
    jwts = {"acme.localhost": token("alice"), "globex.localhost": token("bob")}
    requests = [(host, "/api/contacts", jwt) for host, jwt in jwts.items()] * 100
    name = f"voiceagents-test-isolation-{os.getpid()}"
    with web_server(DB_APPLICATION_NAME=name, DB_POOL_MAX_SIZE="1") as running:
        server = running.address
        answers = asyncio.run(http_load(server, requests, concurrency=4))
        held = count(name)

    assert held == 1  # one connection served every request of both tenants
    names = {host: set() for host in jwts}
    for host, status, body in answers:
        assert status == 200
        names[host] |= {contact["first_name"] for contact in body["results"]}
    assert names == {"acme.localhost": {"Acme"}, "globex.localhost": {"Globex"}}


def test_a_request_that_waits_out_the_pool_timeout_is_a_503_to_retry_not_a_500():
    alice = token("alice")

    async def burst(server):
        async with httpx2.AsyncClient(base_url=f"http://{server}", timeout=30) as client:
            headers = {"Host": "acme.localhost", "Authorization": f"Bearer {alice}"}
            return await asyncio.gather(*(client.get("/api/contacts", headers=headers) for _ in range(200)))

    # One connection for eight request threads, and next to no wait for it: most requests find it taken.
    with web_server(DB_POOL_MAX_SIZE="1", DB_POOL_TIMEOUT="0.001", WEB_HTTP_THREADS="8") as running:
        responses = asyncio.run(burst(running.address))

    busy = [response for response in responses if response.status_code == 503]
    assert {response.status_code for response in responses} == {200, 503}
    assert {response.json()["error_code"] for response in busy} == {"database_busy"}
    assert {response.headers["Retry-After"] for response in busy} == {"1"}
