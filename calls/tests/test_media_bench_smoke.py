"""`bench/media_streams.py --smoke`: the media-stream benchmark still runs end to end, at a tiny size (its figures
mean nothing here; the benchmark itself is run by hand)."""

import os
import subprocess
import sys

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from bench.tests.template import migrated_template
from config.media_server import DEFAULT_SERVER
from config.tests.servers import ROOT, free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def bench_database(django_db_setup):
    """A database of the benchmark's own, named after this checkout's test database, dropped afterwards."""
    params = connection.settings_dict
    server = f"postgres://{params['USER']}@{params['HOST']}:{params['PORT']}"
    name = f"{params['NAME']}_bench_media"
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_media_stream_benchmark_runs_its_calls_without_errors(bench_database):
    env = {
        **os.environ,
        "BENCH_DATABASE_URL": bench_database,
        "REDIS_KEY_PREFIX": f"{settings.REDIS_KEY_PREFIX}bench:",
        "CHANNEL_LAYER_PREFIX": f"{settings.REDIS_KEY_PREFIX}bench",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    # A copy of the checkout's migrated database (kept between runs), not the migrations run anew for every run.
    server = bench_database.rsplit("/", 1)[0]
    migrate_env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "bench"}
    env["BENCH_TEMPLATE_DATABASE"] = migrated_template(server, migrate_env)
    finished = subprocess.run(
        [sys.executable, "bench/media_streams.py", "--smoke", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # Non-zero if any call failed.
    assert finished.returncode == 0, finished.stdout + finished.stderr[-3000:]
    rows = {line.split()[0]: line.split() for line in finished.stdout.splitlines() if line.strip()}
    assert rows[DEFAULT_SERVER][1] == rows["baseline"][1] == "2", finished.stdout
