"""The Kubernetes example (deploy/k8s) stays true to the code: every manifest parses, every container runs a command
that exists, probes ask for paths the platform serves on a host it answers, a worker consumes each Celery queue, and
the media autoscaler scales on the live-calls gauge the media process exports."""

import importlib.util
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve

from config import metrics

K8S = Path(settings.BASE_DIR) / "deploy" / "k8s"


def documents():
    return [doc for path in sorted(K8S.glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text()) if doc]


def of_kind(kind):
    return {doc["metadata"]["name"]: doc for doc in documents() if doc["kind"] == kind}


def our_containers():
    for name, deployment in {**of_kind("Deployment"), **of_kind("Job")}.items():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            if container["image"].endswith("/voiceagents:latest"):
                yield name, container


def test_every_manifest_parses_and_names_its_object():
    assert documents()
    assert all({"apiVersion", "kind", "metadata"} <= set(doc) and doc["metadata"]["name"] for doc in documents())


@pytest.mark.parametrize(("name", "container"), list(our_containers()), ids=lambda value: str(value)[:40])
def test_each_container_runs_a_command_of_ours_that_exists(name, container):
    command = container["command"]
    if command[:2] == ["python", "-m"]:
        assert importlib.util.find_spec(command[2]) is not None
    elif command[:2] == ["python", "manage.py"]:
        assert command[2] in get_commands()
    else:
        assert command[:3] == ["celery", "-A", "config"] and command[3] in {"worker", "beat"}


def test_a_worker_consumes_each_queue_and_one_beat_runs():
    commands = [container["command"] for _, container in our_containers()]
    consumed = {command[command.index("-Q") + 1] for command in commands if command[3:4] == ["worker"]}
    kinds = {route["queue"].rsplit("-", 1)[-1] for route in settings.CELERY_TASK_ROUTES.values()}
    assert consumed == {"default"} | kinds
    [beat] = [doc for doc in of_kind("Deployment").values() if doc["metadata"]["name"].endswith("beat")]
    assert beat["spec"]["replicas"] == 1


def http_probes():
    for name, container in our_containers():
        for probe in ("readinessProbe", "livenessProbe"):
            if "httpGet" in container.get(probe, {}):
                yield name, container, container[probe]["httpGet"]


def test_http_probes_ask_for_a_path_we_serve_on_a_port_the_container_opens():
    probes = list(http_probes())
    assert {name for name, _, _ in probes} == {"voiceagents-web", "voiceagents-media"}
    for _, container, probe in probes:
        assert resolve(probe["path"]).url_name == "health"
        assert probe["port"] in {port["name"] for port in container["ports"]}


def test_http_probes_send_a_host_the_platform_answers_on_any_deployment(db):
    from tenants.selectors import tenant_for_host
    from tenants.services import ensure_public_tenant

    ensure_public_tenant()
    for _, _, probe in http_probes():
        [host] = [header["value"] for header in probe["httpHeaders"] if header["name"] == "Host"]
        # Not BASE_DOMAIN, which each deployment sets: the loopback address is always a public host.
        assert host == "127.0.0.1" and tenant_for_host(host) is not None


def test_the_media_autoscaler_scales_the_media_deployment_on_live_calls():
    autoscaler = of_kind("HorizontalPodAutoscaler")["voiceagents-media"]
    assert autoscaler["spec"]["scaleTargetRef"]["name"] in of_kind("Deployment")
    [metric] = autoscaler["spec"]["metrics"]
    assert metric["pods"]["metric"]["name"] == metrics.LIVE_CALLS._name == "calls_live"


def test_the_ingress_sends_media_streams_to_media_and_the_rest_to_web():
    services = of_kind("Service")
    [ingress] = of_kind("Ingress").values()
    paths = {p["path"]: p["backend"]["service"]["name"] for p in ingress["spec"]["rules"][0]["http"]["paths"]}
    assert paths == {"/ws/twilio/media/": "voiceagents-media", "/": "voiceagents-web"}
    assert set(paths.values()) <= set(services)
    from config.routing import twilio_websocket_urlpatterns

    # Every route the media process serves lies under the prefix the Ingress sends it.
    assert all(f"/{route.pattern}".startswith("/ws/twilio/media/") for route in twilio_websocket_urlpatterns)


def test_pgbouncer_runs_in_session_mode():
    ini = of_kind("ConfigMap")["pgbouncer-config"]["data"]["pgbouncer.ini"]
    assert re.search(r"^pool_mode = session$", ini, flags=re.MULTILINE)
