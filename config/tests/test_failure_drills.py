"""Failure drills: what the platform does when PostgreSQL or Redis goes away under it, and comes back. The shared
servers of the machine stay up: PostgreSQL's connections are cut with pg_terminate_backend (as a restart or a
failover cuts them), and Redis is a server of the test's own on another port, stopped and started again."""

import asyncio
import subprocess
import time

import psycopg
import pytest
import redis
import requests
from channels.layers import channel_layers, get_channel_layer
from django.db import connection

from accounts.tests.factories import access_token
from calls.models import Call
from calls.simulator import Do, HangUp, Say, WaitForAgent
from calls.tests.media_helpers import caller_says, finished_call, heard, live_call, run_call
from config import events
from config.redis import get_redis
from config.tests.servers import PYTHON, free_port, running_server, web_server
from tenants.models import Tenant

ASK_NAME = ["sure", "may i have the patient's full name"]

pytestmark = [pytest.mark.usefixtures("committed_db"), pytest.mark.slow]


def terminate(application_name: str) -> int:
    """Cuts the PostgreSQL connections of the processes named so, as a restart or failover of PostgreSQL cuts them."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"], dbname=settings["NAME"], autocommit=True
    ) as killer:
        query = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s"
        return len(killer.execute(query, [application_name]).fetchall())


def get(server, path, **headers):
    return requests.get(f"{server.url}{path}", headers={"Host": "127.0.0.1", **headers}, timeout=10)


def test_the_web_process_serves_again_right_after_postgresql_dropped_its_connections(alice):
    token = {"Authorization": f"Bearer {access_token(alice)}", "Host": "acme.localhost"}
    with web_server(DB_APPLICATION_NAME="drill-web") as web:
        assert get(web, "/api/tenant", **token).status_code == 200
        assert get(web, "/health").status_code == 200
        assert terminate("drill-web") >= 1
        answers = [get(web, "/api/tenant", **token).status_code for _ in range(5)]
        assert answers == [200] * 5, web.log()[-3000:]
        assert get(web, "/health").json()["checks"]["postgresql"] == "ok"


def test_the_media_process_serves_again_right_after_postgresql_dropped_its_connections():
    command = lambda port: [PYTHON, "-m", "config.media_server", "--port", str(port)]  # noqa: E731
    with running_server(command, DB_APPLICATION_NAME="drill-media") as media:
        assert get(media, "/health").status_code == 200
        assert terminate("drill-media") >= 1
        answers = [get(media, "/health").json()["checks"]["postgresql"] for _ in range(5)]
        assert answers == ["ok"] * 5, media.log()[-3000:]


# Redis -----------------------------------------------------------------------------------------------------


class OwnRedis:
    """A redis-server of the test's own on a free port, stopped and started again at will."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                if redis.Redis.from_url(self.url, socket_timeout=0.2).ping():
                    return
            except redis.RedisError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self):
        self.process.terminate()
        self.process.wait(10)

    async def stopped(self):
        await asyncio.to_thread(self.stop)

    async def started(self):
        await asyncio.to_thread(self.start)


@pytest.fixture
def own_redis(settings):
    """The channel layer and the platform's Redis client on a server of the test's own."""
    server = OwnRedis()
    server.start()
    settings.REDIS_URL = server.url
    settings.CHANNEL_LAYERS = {
        "default": {**settings.CHANNEL_LAYERS["default"], "CONFIG": {**settings.CHANNEL_LAYERS["default"]["CONFIG"]}}
    }
    [host] = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]
    settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [{**host, "address": server.url}]
    get_redis.cache_clear()
    channel_layers.backends.pop("default", None)
    yield server
    if server.process.poll() is None:
        server.stop()
    get_redis.cache_clear()
    channel_layers.backends.pop("default", None)


def caller_turns():
    return [Say(caller_says("book an appointment")), WaitForAgent()]


async def test_a_live_call_goes_on_while_redis_is_down_and_ends_cleanly(own_redis):
    call = await live_call()
    result, _ = await run_call(call, [WaitForAgent(), Do(own_redis.stopped), *caller_turns(), HangUp()])
    stored, turns = await finished_call("acme", call["id"])
    assert len(result.answers) == 2 and heard(result.answers[1], *ASK_NAME) == ASK_NAME
    assert (stored.status, stored.end_reason) == (Call.Status.COMPLETED, "caller_hangup")
    assert [turn.speaker for turn in turns] == ["agent", "caller", "agent"]


async def test_after_redis_is_back_the_calls_events_reach_live_views_again(own_redis):
    call = await live_call()
    listening = {}

    async def restart_and_listen():
        await own_redis.stopped()
        await own_redis.started()
        layer = get_channel_layer()
        listening["channel"] = await layer.new_channel()
        await layer.group_add(events.group_name(Tenant.schema_name_for("acme")), listening["channel"])

    await run_call(call, [WaitForAgent(), Do(restart_and_listen), *caller_turns(), HangUp()])
    stored, _ = await finished_call("acme", call["id"])
    assert stored.status == Call.Status.COMPLETED
    received = []
    while not received or received[-1]["type"] != "call.finished":
        received.append((await asyncio.wait_for(get_channel_layer().receive(listening["channel"]), 5))["event"])
    assert received[-1]["data"]["call_id"] == call["id"]
