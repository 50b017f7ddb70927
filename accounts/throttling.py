"""Failed-login limits per IP and per account, in Redis (shared by every process and host), and the stricter rate
limits of the other doors anyone can knock at: sign-up and password reset (`config.ratelimit`)."""

import hashlib

from django.conf import settings

from config.errors import TooManyRequests
from config.ratelimit import throttle
from config.redis import get_redis, redis_key


class TooManyAttempts(TooManyRequests):
    error_code = "too_many_login_attempts"

    def __init__(self, retry_after):
        super().__init__(
            f"Too many failed logins; try again in {retry_after} seconds.", retry_after_seconds=retry_after
        )


def _account(email):
    # Hashed: addresses do not belong in Redis key names.
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def _keys(ip, email):
    return [redis_key(f"login-fail:ip:{ip}"), redis_key(f"login-fail:acct:{_account(email)}")]


def check_login_allowed(*, ip, email):
    client = get_redis()
    for key in _keys(ip, email):
        count = client.get(key)
        if count is not None and int(count) >= settings.LOGIN_FAILURE_LIMIT:
            raise TooManyAttempts(max(client.ttl(key), 1))


def record_login_failure(*, ip, email):
    pipe = get_redis().pipeline()
    for key in _keys(ip, email):
        pipe.incr(key)
        pipe.expire(key, settings.LOGIN_FAILURE_WINDOW_SECONDS, nx=True)
    pipe.execute()


def clear_account_failures(email):
    get_redis().delete(_keys("-", email)[1])


def check_signup_allowed(*, ip):
    throttle("signup", f"ip:{ip}", "Too many sign-ups from this address.")


def check_password_reset_allowed(*, ip, email):
    detail = "Too many password reset requests."
    throttle("password_reset", f"ip:{ip}", detail)
    throttle("password_reset", f"acct:{_account(email)}", detail)


def check_password_reset_confirm_allowed(*, ip):
    throttle("password_reset_confirm", f"ip:{ip}", "Too many password reset attempts.")
