"""Prometheus metrics of every process (prometheus-client), served at `/metrics` to a scraper holding
METRICS_TOKEN (`Authorization: Bearer …`) or connecting from METRICS_ALLOWED_NETWORKS; with neither set, `/metrics`
is off (404).

Several processes on one host (web, media, Celery workers) share their samples through prometheus-client's
multiprocess mode: set PROMETHEUS_MULTIPROC_DIR to a directory of that host, emptied before the processes start
(`scripts/run` does), and any process's `/metrics` adds up all of them. Without it, a process shows its own (one
container, one process: scrape each).

Label values are few and fixed (routes as patterns, task names, outcomes): never ids, numbers or tenants."""

import hmac
import ipaddress
import os
import time

import redis
from django.conf import settings
from django.http import HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from config.celery import queue_key
from config.redis import get_redis

HTTP_REQUESTS = Counter(
    "http_requests", "HTTP requests answered, by route pattern, method and status.", ["route", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds", "Time to answer an HTTP request, by route pattern and method.", ["route", "method"]
)
AUTH_FAILURES = Counter("auth_failures", "Requests refused as unauthenticated (401), by route pattern.", ["route"])
RATE_LIMIT_HITS = Counter(
    "rate_limit_hits", "Requests refused by a rate limit (config/ratelimit.py), by rule.", ["rule"]
)
# Per process: the media processes scale on this.
LIVE_CALLS = Gauge("calls_live", "Live calls whose media stream this process serves.", multiprocess_mode="liveall")
MEDIA_FRAMES_LATE = Counter(
    "media_frames_late",
    "20 ms frames of agent audio sent late because the process's event loop was held up past the send's time.",
)
TURN_LATENCY = Histogram(
    "call_turn_latency_seconds",
    "Time each stage of an agent turn took on live calls (stt, llm, engine, tts; total: caller's end of speech to "
    "the first audio back).",
    ["stage"],
    buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0),
)
CELERY_TASK_FAILURES = Counter("celery_task_failures", "Celery tasks that raised, by task name.", ["task"])
WEBHOOK_DELIVERIES = Counter(
    "webhook_delivery_attempts",
    "Outgoing webhook attempts by outcome: succeeded, retrying (failed, another attempt is due), gave_up (failed, "
    "its retry window closed).",
    ["outcome"],
)


def observe_turn(timings: dict) -> None:
    """A live turn's timings in milliseconds (`stt_ms`, …), as stored on the turn."""
    for name, value in timings.items():
        if value is not None and name.endswith("_ms"):
            TURN_LATENCY.labels(name.removesuffix("_ms")).observe(value / 1000)


class HttpMetricsMiddleware:
    """First of the middleware: times every request, whatever answers it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = "/" + match.route if match is not None else "unmatched"
        HTTP_LATENCY.labels(route, request.method).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        if response.status_code == 401:
            AUTH_FAILURES.labels(route).inc()
        return response


class _QueueDepths:
    """Messages waiting in each Celery queue, read from the broker at scrape time."""

    def collect(self):
        family = GaugeMetricFamily("celery_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"])
        queues = {settings.CELERY_TASK_DEFAULT_QUEUE} | {
            route["queue"] for route in getattr(settings, "CELERY_TASK_ROUTES", {}).values()
        }
        try:
            if settings.CELERY_BROKER_URL.startswith("sentinel://"):  # the broker is REDIS_URL's, through the sentinels
                client = get_redis()
            else:
                client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=1)
            for queue in sorted(queues):
                family.add_metric([queue], client.llen(queue_key(queue)))
        except redis.RedisError:
            return  # the broker is down: no figures rather than a failed scrape
        yield family


class _ThisProcess:
    def collect(self):
        yield from REGISTRY.collect()


def _samples() -> CollectorRegistry:
    """This host's samples: every process's (multiprocess mode) or this process's own."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    return registry


def exposition() -> bytes:
    registry = _samples()
    registry.register(_QueueDepths())
    return generate_latest(registry)


def error_rates() -> dict:
    """Since the processes started: HTTP requests answered and the share of 4xx and 5xx among them, webhook attempts
    and the share that failed, Celery tasks that raised (the operators' summary; Prometheus has the series)."""
    totals = {"requests": 0, "4xx": 0, "5xx": 0, "webhook_attempts": 0, "webhook_failed": 0, "task_failures": 0}
    for family in _samples().collect():
        for sample in family.samples:
            if sample.name == "http_requests_total":
                totals["requests"] += sample.value
                kind = sample.labels["status"][:1] + "xx"
                if kind in totals:
                    totals[kind] += sample.value
            elif sample.name == "webhook_delivery_attempts_total":
                totals["webhook_attempts"] += sample.value
                totals["webhook_failed"] += sample.value if sample.labels["outcome"] != "succeeded" else 0
            elif sample.name == "celery_task_failures_total":
                totals["task_failures"] += sample.value

    def share(part, whole):
        return round(part / whole, 4) if whole else 0.0

    return {
        "http_requests": int(totals["requests"]),
        "http_4xx_rate": share(totals["4xx"], totals["requests"]),
        "http_5xx_rate": share(totals["5xx"], totals["requests"]),
        "webhook_attempts": int(totals["webhook_attempts"]),
        "webhook_failure_rate": share(totals["webhook_failed"], totals["webhook_attempts"]),
        "celery_task_failures": int(totals["task_failures"]),
    }


def _allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and given and hmac.compare_digest(given.encode(), token.encode()):
        return True
    # The peer itself, never X-Forwarded-For: a header anyone can write.
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(peer in ipaddress.ip_network(network) for network in settings.METRICS_ALLOWED_NETWORKS)


def metrics_view(request):
    if not settings.METRICS_TOKEN and not settings.METRICS_ALLOWED_NETWORKS:
        return HttpResponse(status=404)
    if not _allowed(request):
        return HttpResponse(status=403)
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
