"""Errors to Sentry: only with SENTRY_DSN, from our own logging (no framework integration, nothing patched), with the
log context as tags and no phone number or secret in what is sent. Sentry is faked at its HTTP API: a local server
receiving the SDK's envelopes."""

import gzip
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk

from config import logs, sentry


class FakeSentry:
    """Sentry's envelope endpoint (POST /api/<project>/envelope/), keeping what it is sent."""

    def __init__(self):
        self.requests = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                received.append((self.path, dict(self.headers), body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self.server.server_address[1]}/42"

    def events(self) -> list[dict]:
        found = []
        for _, _, body in self.requests:
            lines = body.split(b"\n")
            for header, payload in zip(lines[1::2], lines[2::2], strict=False):
                if json.loads(header).get("type") == "event":
                    found.append(json.loads(payload))
        return found


@pytest.fixture
def fake_sentry():
    server = FakeSentry()
    yield server
    sentry_sdk.get_client().close()
    sentry_sdk.init(dsn=None)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, sentry.SentryHandler)]:
        root.removeHandler(handler)
    server.server.shutdown()


def test_without_a_dsn_nothing_is_started(settings):
    settings.SENTRY_DSN = ""
    assert sentry.init() is False
    assert not any(isinstance(h, sentry.SentryHandler) for h in logging.getLogger().handlers)


def test_a_logged_exception_reaches_sentry_signed_with_the_dsns_key(fake_sentry):
    assert sentry.init(fake_sentry.dsn)
    try:
        raise ValueError("the provider answered nonsense")
    except ValueError:
        logging.getLogger("calls.media.session").exception("call 7: Utterance failed")
    sentry_sdk.flush(5)
    [(path, headers, _)] = fake_sentry.requests
    assert path == "/api/42/envelope/" and "sentry_key=publickey" in headers["X-Sentry-Auth"]
    [event] = fake_sentry.events()
    [exception] = event["exception"]["values"]
    assert (exception["type"], exception["value"]) == ("ValueError", "the provider answered nonsense")
    assert event["tags"]["logger"] == "calls.media.session"


def test_the_log_context_becomes_tags(fake_sentry):
    sentry.init(fake_sentry.dsn)
    with logs.bound(call_id=7, tenant="t_acme"):
        logging.getLogger("calls").error("call 7: the stream closed abnormally")
    sentry_sdk.flush(5)
    [event] = fake_sentry.events()
    assert str(event["tags"]["call_id"]) == "7" and event["tags"]["tenant"] == "t_acme"
    assert event["message"] == "call 7: the stream closed abnormally"


def test_no_phone_number_or_secret_is_sent(fake_sentry):
    # Made at run time: the event carries the source lines around the error, this test's among them.
    number, secret = "+1415555" + "0123", "abc" + "123secret"
    sentry.init(fake_sentry.dsn)
    try:
        raise RuntimeError(f"dial to {number} refused with token={secret}")
    except RuntimeError:
        logging.getLogger("calls").exception("calling %s failed", number)
    sentry_sdk.flush(5)
    sent = b"".join(body for _, _, body in fake_sentry.requests).decode()
    assert number[2:] not in sent and secret not in sent
    [event] = fake_sentry.events()
    assert event["exception"]["values"][0]["value"] == "dial to [phone …23] refused with token=[redacted]"
    assert event["extra"]["message"] == "calling [phone …23] failed"


def test_warnings_are_not_sent(fake_sentry):
    sentry.init(fake_sentry.dsn)
    logging.getLogger("calls").warning("the live view was not told")
    sentry_sdk.flush(5)
    assert fake_sentry.events() == []


def test_starting_it_leaves_django_celery_and_logging_as_they_were(fake_sentry):
    import celery.app.trace
    import django.core.handlers.base

    before = (
        django.core.handlers.base.BaseHandler.get_response,
        celery.app.trace.build_tracer,
        logging.Logger.callHandlers,
    )
    sentry.init(fake_sentry.dsn)
    after = (
        django.core.handlers.base.BaseHandler.get_response,
        celery.app.trace.build_tracer,
        logging.Logger.callHandlers,
    )
    assert after == before
