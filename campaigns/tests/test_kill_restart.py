"""Acceptance: a dialer killed mid-run and restarted dials nobody twice and forgets nobody. The dialer runs in a
real subprocess (dialer_process.py) against committed data and the fake Twilio HTTP server; the test kills it
(between claim and dial; after Twilio received a create but before the attempt row was updated), restarts it
later, and counts Twilio creates per number at the HTTP boundary."""

import os
import subprocess
import sys
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


def dialer(tenant, at, fake, *flags):
    """Starts the dialer process for one tick at `at`, against this test's database and fake Twilio."""
    url = (
        f"postgres://{connection.settings_dict['USER']}@{connection.settings_dict['HOST']}:"
        f"{connection.settings_dict['PORT']}/{connection.settings_dict['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "TWILIO_API_BASE_URL": fake.url,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "campaigns.tests.dialer_process", tenant.schema_name, at.isoformat(), *flags],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
    )


def run(process) -> int:
    _, err = process.communicate(timeout=60)
    assert process.returncode in (0, 9), err.decode()
    return process.returncode


def attempts(tenant):
    with tenant_context(tenant):
        return {a.number: a for a in Attempt.objects.select_related("call")}


def test_a_dialer_killed_between_claim_and_dial_is_restarted_and_dials_each_number_once(acme_campaign, fake_http):
    tenant, start = acme_campaign(10)
    script_dials(fake_http, 10)
    assert run(dialer(tenant, start, fake_http, "--exit-after-claim")) == 9
    assert {a.status for a in attempts(tenant).values()} == {"claimed"} and fake_http.requests == []

    run(dialer(tenant, start + timedelta(seconds=5), fake_http))  # the claims are not stale yet: nothing is dialed
    assert fake_http.requests == []
    run(dialer(tenant, start + STALE, fake_http))
    run(dialer(tenant, start + 2 * STALE, fake_http))

    assert Counter(dialed_numbers(fake_http)) == {number: 1 for number in attempts(tenant)}
    assert {a.status for a in attempts(tenant).values()} == {"in_progress"}


def test_a_dialer_killed_after_twilio_took_the_call_does_not_dial_it_again(acme_campaign, fake_http):
    tenant, start = acme_campaign(5)
    script_dials(fake_http, 5, delay_on=3, delay=30)  # Twilio is slow to answer the third create
    process = dialer(tenant, start, fake_http)
    deadline = time.monotonic() + 30
    while len(fake_http.requests_to("POST", TWILIO_CALLS)) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.kill()  # SIGKILL while it waits for Twilio's answer
    process.wait()
    before = attempts(tenant)
    assert Counter(a.status for a in before.values()) == {"in_progress": 2, "dialing": 1, "claimed": 2}
    [killed] = [a for a in before.values() if a.status == "dialing"]
    with tenant_context(tenant):
        assert Call.objects.get(idempotency_key=killed.idempotency_key).twilio_call_sid is None

    run(dialer(tenant, start + STALE, fake_http))

    after = attempts(tenant)
    assert Counter(dialed_numbers(fake_http)) == {number: 1 for number in after}
    assert {a.status for a in after.values()} == {"in_progress"}
    assert after[killed.number].call.idempotency_key == killed.idempotency_key


def test_a_dialer_killed_before_its_request_reached_twilio_dials_that_number_on_restart(acme_campaign, fake_http):
    tenant, start = acme_campaign(3)
    assert run(dialer(tenant, start, fake_http, "--exit-before-twilio")) == 9
    [lost] = [a for a in attempts(tenant).values() if a.status == "dialing"]
    with tenant_context(tenant):  # by the restart, longer ago than any request to Twilio lasts
        Call.objects.filter(idempotency_key=lost.idempotency_key).update(
            created_at=lost_dial_cutoff() - timedelta(seconds=1)
        )
    assert fake_http.requests == []
    script_call_list(fake_http)  # Twilio never got that call
    script_dials(fake_http, 3)

    run(dialer(tenant, start + STALE, fake_http))

    after = attempts(tenant)
    assert Counter(dialed_numbers(fake_http)) == {number: 1 for number in after}
    assert {a.status for a in after.values()} == {"in_progress"}
    assert after[lost.number].call.twilio_call_sid is not None
