"""At most 5 failed logins per minute per IP and per account, counted in Redis."""

import pytest

pytestmark = pytest.mark.django_db


def attempt(api, email, password, ip="10.0.0.1", **extra):
    client = api()
    return client.post(
        "/api/auth/login", {"email": email, "password": password}, format="json", REMOTE_ADDR=ip, **extra
    )


def test_sixth_failed_login_for_an_account_is_429_with_retry_after(api, alice):
    for i in range(5):
        assert attempt(api, "alice@example.com", "Wrong-1", ip=f"10.0.0.{i}").status_code == 401
    response = attempt(api, "alice@example.com", "Wrong-1", ip="10.0.0.99")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["error_code"] == "too_many_login_attempts"


def test_locked_account_refuses_even_the_right_password(api, alice, password):
    for _ in range(5):
        attempt(api, "alice@example.com", "Wrong-1")
    assert attempt(api, "alice@example.com", password, ip="10.9.9.9").status_code == 429


def test_sixth_failure_from_one_ip_across_accounts_is_429(api):
    for i in range(5):
        attempt(api, f"nobody{i}@example.com", "Wrong-1", ip="10.1.1.1")
    assert attempt(api, "someone@example.com", "Wrong-1", ip="10.1.1.1").status_code == 429


def test_other_ips_and_accounts_are_not_affected(api, bob, password):
    for i in range(5):
        attempt(api, f"nobody{i}@example.com", "Wrong-1", ip="10.1.1.1")
    assert attempt(api, "bob@example.com", password, ip="10.2.2.2").status_code == 200


def test_successful_login_resets_the_account_counter(api, alice, password):
    for _ in range(4):
        attempt(api, "alice@example.com", "Wrong-1", ip="10.3.3.3")
    assert attempt(api, "alice@example.com", password, ip="10.4.4.4").status_code == 200
    for _ in range(4):
        assert attempt(api, "alice@example.com", "Wrong-1", ip="10.5.5.5").status_code == 401


def test_clients_behind_a_trusted_proxy_are_counted_apart(api, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for i in range(5):
        attempt(api, f"nobody{i}@example.com", "Wrong-1", ip="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.1")
    blocked = attempt(api, "someone@example.com", "Wrong-1", ip="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.1")
    other = attempt(api, "someone@example.com", "Wrong-1", ip="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert (blocked.status_code, other.status_code) == (429, 401)
