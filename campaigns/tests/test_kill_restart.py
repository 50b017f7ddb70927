"""Acceptance: a dialer killed mid-run and restarted dials nobody twice and forgets nobody. The dialer runs in a
real subprocess (dialer_process.py) against committed data and the fake Twilio HTTP server; the test kills it
(between claim and dial; after Twilio received a create but before the attempt row was updated), restarts it
later, and counts Twilio creates per number at the HTTP boundary."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from calls.models import Call
from calls.services.dialing import lost_dial_cutoff
from calls.tests.factories import script_call_list
from campaigns.models import Attempt
from campaigns.services.lifecycle import transition
from campaigns.tests.conftest import TWILIO_CALLS, campaign_for, dialed_numbers, ready_to_dial, script_dials
from tenants.models import Tenant

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
STALE = timedelta(seconds=settings.CAMPAIGN_STALE_CLAIM_SECONDS + 1)


@pytest.fixture
def acme_campaign(committed_db):
    acme = Tenant.objects.get(slug="acme")
    start = timezone.now()

    def make(size):
        with tenant_context(acme):
            transition(
                campaign_for(ready_to_dial(), size, calls_per_minute=60, max_concurrent_calls=size), "start", now=start
            )
        return acme, start

    return make


class Dialers:
    """The dialer processes of a test, forked by one server process (dialer_process.py) that has set Django up
    against this test's database, so that each starts at once instead of importing everything anew."""

    def __init__(self, errors):
        url = (
            f"postgres://{connection.settings_dict['USER']}@{connection.settings_dict['HOST']}:"
            f"{connection.settings_dict['PORT']}/{connection.settings_dict['NAME']}"
        )
        self.errors = errors  # the server's and its dialers' stderr
        self.server = subprocess.Popen(
            [sys.executable, "-m", "campaigns.tests.dialer_process"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.test_settings"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
        )

    def start(self, tenant, at, fake, *flags) -> int:
        """Starts a dialer for one tick at `at`, against `fake` Twilio; its pid."""
        self.server.stdin.write(" ".join([tenant.schema_name, at.isoformat(), fake.url, *flags]) + "\n")
        self.server.stdin.flush()
        return int(self._next("started")[0])

    def wait(self, pid) -> int:
        """The dialer's exit status (negative: killed by that signal)."""
        ended, status = self._next("exited")
        assert int(ended) == pid
        return int(status)

    def run(self, tenant, at, fake, *flags) -> int:
        status = self.wait(self.start(tenant, at, fake, *flags))
        self.errors.seek(0)
        assert status in (0, 9), self.errors.read().decode()[-3000:]
        return status

    def _next(self, word):
        line = self.server.stdout.readline().split()
        self.errors.seek(0)
        assert line[:1] == [word], self.errors.read().decode()[-3000:]
        return line[1:]

    def close(self):
        self.server.stdin.close()
        self.server.wait(30)


@pytest.fixture
def dialers(committed_db):
    with tempfile.TemporaryFile() as errors:
        started = Dialers(errors)
        yield started
        started.close()


def attempts(tenant):
    with tenant_context(tenant):
        return {a.number: a for a in Attempt.objects.select_related("call")}


def test_a_dialer_killed_between_claim_and_dial_is_restarted_and_dials_each_number_once(
    acme_campaign, dialers, fake_http
):
    tenant, start = acme_campaign(10)
    script_dials(fake_http, 10)
    assert dialers.run(tenant, start, fake_http, "--exit-after-claim") == 9
    assert {a.status for a in attempts(tenant).values()} == {"claimed"} and fake_http.requests == []

    dialers.run(tenant, start + timedelta(seconds=5), fake_http)  # the claims are not stale yet: nothing is dialed
    assert fake_http.requests == []
    dialers.run(tenant, start + STALE, fake_http)
    dialers.run(tenant, start + 2 * STALE, fake_http)

    assert Counter(dialed_numbers(fake_http)) == {number: 1 for number in attempts(tenant)}
    assert {a.status for a in attempts(tenant).values()} == {"in_progress"}


def test_a_dialer_killed_after_twilio_took_the_call_does_not_dial_it_again(acme_campaign, dialers, fake_http):
    tenant, start = acme_campaign(5)
    script_dials(fake_http, 5, delay_on=3, delay=30)  # Twilio is slow to answer the third create
    pid = dialers.start(tenant, start, fake_http)
    deadline = time.monotonic() + 30
    while len(fake_http.requests_to("POST", TWILIO_CALLS)) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)  # while it waits for Twilio's answer
    assert dialers.wait(pid) == -signal.SIGKILL
    before = attempts(tenant)
    assert Counter(a.status for a in before.values()) == {"in_progress": 2, "dialing": 1, "claimed": 2}
    [killed] = [a for a in before.values() if a.status == "dialing"]
    with tenant_context(tenant):
        assert Call.objects.get(idempotency_key=killed.idempotency_key).twilio_call_sid is None

    dialers.run(tenant, start + STALE, fake_http)

    after = attempts(tenant)
    assert Counter(dialed_numbers(fake_http)) == {number: 1 for number in after}
    assert {a.status for a in after.values()} == {"in_progress"}
    assert after[killed.number].call.idempotency_key == killed.idempotency_key


def test_a_dialer_killed_before_its_request_reached_twilio_dials_that_number_on_restart(
    acme_campaign, dialers, fake_http
):
    tenant, start = acme_campaign(3)
    assert dialers.run(tenant, start, fake_http, "--exit-before-twilio") == 9
    [lost] = [a for a in attempts(tenant).values() if a.status == "dialing"]
    with tenant_context(tenant):  # by the restart, longer ago than any request to Twilio lasts
        Call.objects.filter(idempotency_key=lost.idempotency_key).update(
            created_at=lost_dial_cutoff() - timedelta(seconds=1)
        )
    assert fake_http.requests == []
    script_call_list(fake_http)  # Twilio never got that call
    script_dials(fake_http, 3)

    dialers.run(tenant, start + STALE, fake_http)

    after = attempts(tenant)
    assert Counter(dialed_numbers(fake_http)) == {number: 1 for number in after}
    assert {a.status for a in after.values()} == {"in_progress"}
    assert after[lost.number].call.twilio_call_sid is not None
