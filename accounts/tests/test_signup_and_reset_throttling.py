"""Sign-up and password reset have limits of their own, stricter than the API's: per client IP, and per address for
reset requests."""

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db


def sign_up(api, ip, email="alice@example.com"):
    body = {"email": email, "password": "Sup3rSecret!", "name": "Eve", "company": "Eve Co", "slug": "eve-co"}
    return api().post("/api/auth/register", body, format="json", REMOTE_ADDR=ip)


def request_reset(api, ip, email="alice@example.com"):
    return api().post("/api/auth/password-reset", {"email": email}, format="json", REMOTE_ADDR=ip)


def confirm_reset(api, ip):
    body = {"uid": "MQ", "token": "guess", "new_password": "Brand-New-Pass-7"}
    return api().post("/api/auth/password-reset/confirm", body, format="json", REMOTE_ADDR=ip)


def test_third_sign_up_from_one_address_is_429(api, rate_limits):
    rate_limits(signup=[(2, 3600)])
    assert [sign_up(api, "192.0.2.1").status_code for _ in range(2)] == [202, 202]  # email taken: counted anyway
    response = sign_up(api, "192.0.2.1")
    assert response.status_code == 429
    assert response.json()["error_code"] == "rate_limited" and int(response["Retry-After"]) > 0
    assert response["X-RateLimit-Limit"] == "2"  # the sign-up limit's headers, not the API's
    assert sign_up(api, "192.0.2.2").status_code == 202


def test_reset_requests_are_limited_per_address(api, rate_limits, alice):
    rate_limits(password_reset=[(2, 3600)])
    assert [request_reset(api, "192.0.2.1").status_code for _ in range(2)] == [202, 202]
    assert request_reset(api, "192.0.2.1").status_code == 429
    assert request_reset(api, "192.0.2.1", email="nobody@example.com").status_code == 429


def test_reset_requests_are_limited_per_email_across_addresses(api, rate_limits, alice):
    rate_limits(password_reset=[(2, 3600)])
    for n in range(2):
        request_reset(api, f"192.0.2.{n}")
    response = request_reset(api, "192.0.2.99")
    assert response.status_code == 429 and response.json()["error_code"] == "rate_limited"
    assert len(mail.outbox) == 2


def test_reset_confirmations_are_limited_per_address(api, rate_limits):
    rate_limits(password_reset_confirm=[(3, 900)])
    assert [confirm_reset(api, "192.0.2.1").status_code for _ in range(3)] == [400] * 3
    assert confirm_reset(api, "192.0.2.1").status_code == 429
    assert confirm_reset(api, "192.0.2.2").status_code == 400
