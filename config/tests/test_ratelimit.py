"""API rate limits: a sliding window per API key, else per user, else per client IP; per-plan limits; headers; 429
with Retry-After; the client IP from trusted proxies only; webhooks and health never limited; Redis down fails open."""

import logging

import pytest
import redis
from django.test import RequestFactory

from accounts.services import revoke_api_key
from billing.tests.factories import put_on_plan
from config import ratelimit
from config.proxies import client_ip

pytestmark = pytest.mark.django_db

PER_MINUTE = [(60, 60), (1000, 3600)]


def anonymous_get(api, ip="192.0.2.10", **extra):
    return api(host="acme.localhost").get("/api/tenant", REMOTE_ADDR=ip, **extra)


def test_61st_request_in_a_minute_is_429_with_retry_after(api, rate_limits):
    rate_limits(api=PER_MINUTE)
    for _ in range(60):
        assert anonymous_get(api).status_code == 401
    response = anonymous_get(api)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 61  # the window slides: the last second of weight too
    body = response.json()
    assert body["error_code"] == "rate_limited" and body["request_id"] == response["X-Request-ID"]
    assert response["X-RateLimit-Remaining"] == "0"


def test_headers_are_present_and_remaining_decreases(api, rate_limits):
    rate_limits(api=PER_MINUTE)
    responses = [anonymous_get(api) for _ in range(3)]
    assert [r["X-RateLimit-Limit"] for r in responses] == ["60"] * 3
    assert [r["X-RateLimit-Remaining"] for r in responses] == ["59", "58", "57"]
    assert all(0 < int(r["X-RateLimit-Reset"]) <= 60 for r in responses)


def test_the_window_slides_instead_of_resetting_at_once(api, rate_limits):
    clock = rate_limits(api=[(10, 60)])
    for _ in range(10):
        anonymous_get(api)
    clock.advance(60 + 30)  # half of the full previous window still overlaps: about 5 requests left
    statuses = [anonymous_get(api).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]


def test_retry_after_says_when_a_request_fits_again(api, rate_limits):
    clock = rate_limits(api=[(10, 60)])
    clock.advance(20)
    for _ in range(10):
        anonymous_get(api)
    retry_after = int(anonymous_get(api)["Retry-After"])
    clock.advance(retry_after - 1)
    assert anonymous_get(api).status_code == 429
    clock.advance(1)
    assert anonymous_get(api).status_code == 401


def test_the_hourly_limit_applies_too(api, rate_limits):
    clock = rate_limits(api=[(60, 60), (3, 3600)])
    for _ in range(3):
        anonymous_get(api)
        clock.advance(61)
    response = anonymous_get(api)
    assert response.status_code == 429 and response["X-RateLimit-Limit"] == "3"
    assert int(response["Retry-After"]) > 60


def test_clients_behind_a_trusted_proxy_have_their_own_counters(api, rate_limits, settings):
    rate_limits(api=[(2, 60)])
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for _ in range(2):
        anonymous_get(api, ip="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert anonymous_get(api, ip="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 429
    assert anonymous_get(api, ip="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 401


def test_an_untrusted_client_cannot_spoof_x_forwarded_for(api, rate_limits, settings):
    rate_limits(api=[(2, 60)])
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    statuses = [
        anonymous_get(api, ip="198.51.100.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)
    ]
    assert statuses == [401, 401, 429]


@pytest.mark.parametrize(
    "peer, forwarded_for, expected",
    [
        ("198.51.100.7", "203.0.113.1", "198.51.100.7"),  # not a proxy of ours: its header is ignored
        ("10.0.0.5", "203.0.113.1", "203.0.113.1"),
        ("10.0.0.5", "6.6.6.6, 203.0.113.1", "203.0.113.1"),  # the client wrote the left part
        ("10.0.0.5", "203.0.113.1, 10.0.0.9", "203.0.113.1"),  # through two proxies of ours
        ("10.0.0.5", "203.0.113.1, not-an-ip", "10.0.0.5"),
        ("10.0.0.5", "", "10.0.0.5"),
    ],
)
def test_client_ip_is_the_rightmost_address_not_ours(settings, peer, forwarded_for, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_ip(request) == expected


def test_api_key_and_its_user_are_counted_apart(api, rate_limits, make_api_key, acme, alice):
    rate_limits(api=[(2, 60)])
    _, secret = make_api_key(acme, alice)
    for _ in range(2):
        assert api(alice, acme).get("/api/tenant").status_code == 200
    assert api(alice, acme).get("/api/tenant").status_code == 429
    assert api(api_key=secret).get("/api/tenant").status_code == 200


def test_users_behind_one_address_are_counted_apart(api, rate_limits, acme, alice, amy):
    rate_limits(api=[(2, 60)])
    for _ in range(2):
        api(alice, acme).get("/api/tenant")
    assert api(alice, acme).get("/api/tenant").status_code == 429
    assert api(amy, acme).get("/api/tenant").status_code == 200


@pytest.mark.parametrize("credential", ["forged.{n}.token", "vk_deadbeef_guess{n}"])
def test_bad_credentials_count_against_the_client_ip(api, rate_limits, acme, credential):
    rate_limits(api=[(2, 60)])
    for n in range(2):
        api(host="acme.localhost", headers={"Authorization": f"Bearer {credential.format(n=n)}"}).get("/api/tenant")
    assert anonymous_get(api, ip="127.0.0.1").status_code == 429


def test_an_api_keys_requests_count_against_the_key_not_its_client_ip(api, rate_limits, make_api_key, acme, alice):
    rate_limits(api=[(2, 60)])
    _, secret = make_api_key(acme, alice)
    assert [api(api_key=secret).get("/api/tenant").status_code for _ in range(3)] == [200, 200, 429]
    assert anonymous_get(api, ip="127.0.0.1").status_code == 401  # refused for want of credentials, not limited


def test_a_revoked_api_key_counts_against_the_client_ip_not_the_key(api, rate_limits, make_api_key, acme, alice):
    rate_limits(api=[(2, 60)])
    key, secret = make_api_key(acme, alice)
    revoke_api_key(tenant=acme, key_id=key.pk)
    for _ in range(2):
        assert api(api_key=secret).get("/api/tenant").status_code == 401
    assert anonymous_get(api, ip="127.0.0.1").status_code == 429


def test_a_plan_sets_its_own_limits(api, rate_limits, settings, acme, globex, alice, bob):
    rate_limits(api=PER_MINUTE)
    settings.RATELIMIT_PLAN_CACHE_SECONDS = 0
    put_on_plan(acme, api_requests_per_minute=2)
    responses = [api(alice, acme).get("/api/tenant") for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert responses[0]["X-RateLimit-Limit"] == "2"
    assert api(bob, globex).get("/api/tenant")["X-RateLimit-Limit"] == "60"


def test_a_plan_may_raise_the_limit(api, rate_limits, settings, acme, alice):
    rate_limits(api=[(2, 60)])
    settings.RATELIMIT_PLAN_CACHE_SECONDS = 0
    put_on_plan(acme, api_requests_per_minute=100)
    assert [api(alice, acme).get("/api/tenant").status_code for _ in range(3)] == [200] * 3


def test_webhooks_and_health_are_not_limited(api, rate_limits, acme):
    rate_limits(api=[(1, 60)])
    for _ in range(3):
        webhook = api(host="api.localhost").post("/api/webhooks/twilio/acme/voice", {}, REMOTE_ADDR="192.0.2.10")
        assert webhook.status_code != 429 and "X-RateLimit-Limit" not in webhook
        health = api(tenant=acme).get("/health", REMOTE_ADDR="192.0.2.10")
        assert health.status_code == 200 and "X-RateLimit-Limit" not in health


def test_a_failing_redis_lets_requests_through_with_a_warning(api, rate_limits, monkeypatch, caplog, acme, alice):
    rate_limits(api=[(1, 60)])
    dead = redis.Redis.from_url("redis://127.0.0.1:1/0")  # nothing listens there
    monkeypatch.setattr(ratelimit.limiter, "client", lambda: dead)
    monkeypatch.setattr(ratelimit, "_last_warning", [0.0])
    with caplog.at_level(logging.WARNING, logger="config.ratelimit"):
        responses = [api(alice, acme).get("/api/tenant") for _ in range(3)]
    assert [r.status_code for r in responses] == [200] * 3
    assert "X-RateLimit-Limit" not in responses[0]
    assert "Redis failed" in caplog.text
