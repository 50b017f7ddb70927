"""Errors to Sentry when SENTRY_DSN is set, without sentry-sdk's framework integrations.

Its Django, Celery, logging, threading and standard-library integrations work by replacing attributes of those
libraries, which this project never does (config/tests/test_no_monkey_patching.py). So the SDK starts with every
default and auto-enabled integration off, and errors reach it from our own code: `SentryHandler`, on the root logger
at ERROR, sends each error logged — Django's request errors, the API's unhandled errors (`config.api.errors`),
Celery task failures, the media pipeline's — with the log context (request id, tenant, user, call) as tags. Every
text of an event goes through `config.logs.redact` (phone numbers, secrets), and local variables are not sent."""

import logging

import sentry_sdk
from django.conf import settings

from config import logs

log = logging.getLogger(__name__)


def init(dsn: str | None = None) -> bool:
    """Starts the SDK and adds `SentryHandler` to the root logger; False (nothing done) without a DSN."""
    dsn = dsn if dsn is not None else settings.SENTRY_DSN
    if not dsn:
        return False
    sentry_sdk.init(
        dsn=dsn,
        default_integrations=False,
        auto_enabling_integrations=False,
        integrations=[],
        environment=settings.SENTRY_ENVIRONMENT,
        release=settings.SENTRY_RELEASE or None,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=0,
        before_send=scrub,
    )
    root = logging.getLogger()
    if not any(isinstance(handler, SentryHandler) for handler in root.handlers):
        root.addHandler(SentryHandler(level=logging.ERROR))
    return True


def scrub(event: dict, hint: dict) -> dict:
    """Every string of the event redacted, as our log lines are."""
    return _redacted(event)


def _redacted(value):
    if isinstance(value, str):
        return logs.redact(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    return value


class SentryHandler(logging.Handler):
    """A log record at ERROR or above becomes a Sentry event: its exception if it carries one, else its message."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("sentry_sdk", __name__)):
            return  # the SDK's own trouble must not loop back into it
        try:
            with sentry_sdk.new_scope() as scope:
                for name, value in logs.context(record).items():
                    scope.set_tag(name, value)
                scope.set_tag("logger", record.name)
                if record.exc_info and record.exc_info[0] is not None:
                    scope.set_extra("message", record.getMessage())
                    sentry_sdk.capture_exception(record.exc_info)
                else:
                    sentry_sdk.capture_message(record.getMessage(), level=record.levelname.lower())
        except Exception:
            self.handleError(record)
