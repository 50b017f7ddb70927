"""Every Redis client of the platform: bounded connection attempts, and Redis Sentinel (settings REDIS_SENTINELS and
REDIS_SENTINEL_MASTER) for the cache, Celery's broker, the channel layer and `config.redis.get_redis`.

The Sentinel tests run a real sentinel (`redis-server --sentinel`) monitoring the suite's Redis, and a process whose
REDIS_URL names a port nothing listens on: it reaches Redis only if it asks the sentinel."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings
from redis.connection import parse_url

from config.redis import get_redis

# What a process started with the sentinel's settings does with each client, as JSON.
PROBE = """
import asyncio, json
import django

django.setup()
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache

from config.celery import app, queue_key
from prometheus_client.parser import text_string_to_metric_families

from config.metrics import exposition
from config.redis import get_redis, redis_key

found = {}
cache.set("sentinel-probe", "cached", 30)
found["cache"] = cache.get("sentinel-probe")
cache.delete("sentinel-probe")

client = get_redis()
client.set(redis_key("sentinel-probe"), "counted", ex=30)
found["get_redis"] = client.get(redis_key("sentinel-probe")).decode()
client.delete(redis_key("sentinel-probe"))


async def through_the_layer():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "probe", "text": "heard"})
    return (await layer.receive(channel))["text"]


found["channel_layer"] = asyncio.run(through_the_layer())

queue = settings.CELERY_TASK_DEFAULT_QUEUE
with app.connection_for_write() as connection:
    found["broker_transport"] = type(connection.transport).__name__
    app.send_task("calls.reap_stale_calls", queue=queue, connection=connection)
found["queued"] = client.llen(queue_key(queue))
found["queue_depth_metric"] = next(
    sample.value
    for family in text_string_to_metric_families(exposition().decode())
    for sample in family.samples
    if sample.name == "celery_queue_depth" and sample.labels["queue"] == queue
)
client.delete(queue_key(queue))
print(json.dumps(found))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(port) -> bool:
    try:
        return redis.Redis(port=port, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def sentinel(tmp_path_factory):
    """A sentinel on a free port monitoring the suite's Redis as `master_name`: (address, master_name)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed: no sentinel to test with")
    redis_server = parse_url(settings.REDIS_URL)
    port, master = free_port(), f"voiceagents-test-{os.getpid()}"
    config = tmp_path_factory.mktemp("sentinel") / "sentinel.conf"  # a sentinel rewrites its file: one of its own
    config.write_text(
        f"port {port}\nbind 127.0.0.1\ndaemonize no\n"
        f"sentinel monitor {master} {redis_server.get('host', '127.0.0.1')} {redis_server.get('port', 6379)} 1\n"
    )
    process = subprocess.Popen([server, str(config), "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while not answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.skip(f"redis-server --sentinel did not start: {process.stderr.read().decode()[-300:]}")
        time.sleep(0.05)
    yield f"127.0.0.1:{port}", master
    process.terminate()
    process.wait(timeout=10)


def settings_environment(**variables) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "CELERY_BROKER_URL"}
    return env | {"DJANGO_SETTINGS_MODULE": "config.test_settings", "PYTHONPATH": str(settings.BASE_DIR), **variables}


@pytest.fixture(scope="module")
def through_sentinel(sentinel):
    address, master = sentinel
    database = parse_url(settings.REDIS_URL).get("db", 0)
    env = settings_environment(
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/{database}",  # nothing listens there
        REDIS_SENTINELS=address,
        REDIS_SENTINEL_MASTER=master,
    )
    run = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_the_cache_finds_redis_through_the_sentinels(through_sentinel):
    assert through_sentinel["cache"] == "cached"


def test_get_redis_finds_redis_through_the_sentinels(through_sentinel):
    assert through_sentinel["get_redis"] == "counted"


def test_the_channel_layer_finds_redis_through_the_sentinels(through_sentinel):
    assert through_sentinel["channel_layer"] == "heard"


def test_celery_queues_tasks_through_the_sentinels(through_sentinel):
    assert through_sentinel["broker_transport"] == "SentinelTransport"
    assert through_sentinel["queued"] == 1 and through_sentinel["queue_depth_metric"] == 1


def test_sentinels_without_a_master_name_are_refused_at_start_up():
    run = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        env=settings_environment(REDIS_SENTINELS="127.0.0.1:26379"),
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0 and "REDIS_SENTINEL_MASTER" in run.stderr


@pytest.fixture
def unanswering_server():
    """A listening port whose backlog is full: the kernel drops further connection attempts unanswered, as an
    unreachable host does."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        fillers = [socket.socket() for _ in range(2)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(server.getsockname())
        time.sleep(0.1)
        yield server.getsockname()[1]
        for filler in fillers:
            filler.close()


@pytest.fixture
def fresh_get_redis():
    get_redis.cache_clear()
    yield
    get_redis.cache_clear()


@pytest.mark.usefixtures("fresh_get_redis")
def test_get_redis_gives_up_connecting_after_the_connect_timeout(settings, unanswering_server):
    settings.REDIS_URL = f"redis://127.0.0.1:{unanswering_server}/0"
    settings.REDIS_CONNECT_TIMEOUT = 0.2
    started = time.monotonic()
    with pytest.raises(redis.TimeoutError):
        get_redis().ping()
    assert time.monotonic() - started < 5
