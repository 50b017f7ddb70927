"""Prometheus metrics at /metrics (config/metrics.py): for a scraper with the token or from an allowed network,
in the text format prometheus-client's own parser reads, with the platform's series after a simulated call."""

import os
import subprocess
import sys

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from calls.simulator import HangUp, Say, WaitForAgent
from calls.tests.media_helpers import caller_says, finished_call, live_call, run_call
from config import metrics
from config.tests.servers import ROOT
from webhooks.tasks import deliver

TOKEN = "metrics-token-for-tests"


def scrape(token=TOKEN, **extra) -> dict:
    response = Client().get("/metrics", HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}", **extra)
    assert response.status_code == 200, response.status_code
    return {family.name: family for family in text_string_to_metric_families(response.content.decode())}


def value(families, name, sample_name, **labels) -> float:
    return sum(
        sample.value
        for sample in families[name].samples
        if sample.name == sample_name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = TOKEN, []


@pytest.mark.slow
@pytest.mark.usefixtures("committed_db", "metrics_token")
async def test_after_a_simulated_call_metrics_has_the_platforms_series():
    call = await live_call()
    await run_call(call, [WaitForAgent(), Say(caller_says("book an appointment")), WaitForAgent(), HangUp()])
    await finished_call("acme", call["id"])
    await sync_to_async(Client().get)("/api/auth/me", HTTP_HOST="acme.localhost")  # no credentials: a 401
    families = await sync_to_async(scrape)()
    assert value(families, "call_turn_latency_seconds", "call_turn_latency_seconds_count", stage="stt") >= 1
    assert value(families, "call_turn_latency_seconds", "call_turn_latency_seconds_count", stage="total") >= 1
    assert value(families, "calls_live", "calls_live") == 0  # the call began and ended in this process
    assert value(families, "http_requests", "http_requests_total", route="/api/auth/me", status="401") >= 1
    assert value(families, "auth_failures", "auth_failures_total", route="/api/auth/me") >= 1
    assert [s.labels["queue"] for s in families["celery_queue_depth"].samples]
    for name in ("http_request_duration_seconds", "media_frames_late", "celery_task_failures", "rate_limit_hits"):
        assert name in families, name
    assert "webhook_delivery_attempts" in families


@pytest.mark.django_db
def test_a_rate_limited_request_is_counted_by_rule(api, acme, rate_limits, metrics_token):
    rate_limits(api=[(1, 60)])
    before = value(scrape(), "rate_limit_hits", "rate_limit_hits_total", rule="api")
    api(tenant=acme).get("/api/auth/me")
    assert api(tenant=acme).get("/api/auth/me").status_code == 429
    assert value(scrape(), "rate_limit_hits", "rate_limit_hits_total", rule="api") == before + 1


def test_a_failed_celery_task_is_counted_by_name(metrics_token, db):
    before = value(scrape(), "celery_task_failures", "celery_task_failures_total", task="webhooks.deliver")
    deliver.apply(args=(1,))  # on the public schema: refused, so it fails
    assert value(scrape(), "celery_task_failures", "celery_task_failures_total", task="webhooks.deliver") == before + 1


def test_webhook_outcomes_are_counted(metrics_token, db):
    before = value(scrape(), "webhook_delivery_attempts", "webhook_delivery_attempts_total", outcome="succeeded")
    metrics.WEBHOOK_DELIVERIES.labels("succeeded").inc()
    after = value(scrape(), "webhook_delivery_attempts", "webhook_delivery_attempts_total", outcome="succeeded")
    assert after == before + 1


def test_routes_are_labelled_by_their_pattern_not_their_ids(metrics_token, db):
    Client().get("/api/settings/webhooks/123456", HTTP_HOST="localhost")
    samples = scrape()["http_requests"].samples
    assert any(s.labels["route"] == "/api/settings/webhooks/<id:endpoint_id>" for s in samples)
    assert not any("123456" in s.labels["route"] for s in samples)


# Who may read it --------------------------------------------------------------------------------


def test_metrics_are_off_when_neither_a_token_nor_a_network_is_set(settings, db):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = "", []
    assert Client().get("/metrics", HTTP_HOST="localhost").status_code == 404


def test_a_wrong_or_missing_token_is_refused(metrics_token, db):
    assert Client().get("/metrics", HTTP_HOST="localhost").status_code == 403
    assert Client().get("/metrics", HTTP_HOST="localhost", HTTP_AUTHORIZATION="Bearer nope").status_code == 403


def test_a_scraper_on_an_allowed_network_needs_no_token(settings, db):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = "", ["10.0.0.0/8"]
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics", HTTP_HOST="localhost").status_code == 200
    assert Client(REMOTE_ADDR="192.0.2.1").get("/metrics", HTTP_HOST="localhost").status_code == 403


def test_a_forwarded_for_header_does_not_make_a_scraper_allowed(settings, db):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = "", ["10.0.0.0/8"]
    response = Client(REMOTE_ADDR="192.0.2.1").get("/metrics", HTTP_HOST="localhost", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert response.status_code == 403


# No django.setup(): the metrics need the settings only, and a child starts several times faster without the apps.
MULTIPROCESS_CHILD = """
import sys
from config import metrics
metrics.RATE_LIMIT_HITS.labels("signup").inc(int(sys.argv[1]))
if sys.argv[2] == "show":
    sys.stdout.write(metrics.exposition().decode())
"""


def test_in_multiprocess_mode_the_figures_of_every_process_add_up(tmp_path):
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.test_settings"}

    def child(count, show):
        return subprocess.run(
            [sys.executable, "-c", MULTIPROCESS_CHILD, str(count), show],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    child(2, "")
    shown = child(3, "show")
    families = {family.name: family for family in text_string_to_metric_families(shown)}
    assert value(families, "rate_limit_hits", "rate_limit_hits_total", rule="signup") == 5
