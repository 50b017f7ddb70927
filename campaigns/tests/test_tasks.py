"""The dialer's Celery side: claims never shared between concurrent claimers, task options that survive a killed
worker, and the beat tick through a real worker dialing at the fake Twilio boundary."""

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from campaigns import tasks
from campaigns.models import Attempt, Campaign
from campaigns.services import dispatch
from campaigns.services.lifecycle import transition
from campaigns.tests.conftest import campaign_for, dialed_numbers, ready_to_dial, script_dials
from config.celery import app
from tenants.models import Tenant


def test_two_claimers_at_once_never_get_the_same_attempt(committed_db):
    acme = Tenant.objects.get(slug="acme")
    with tenant_context(acme):
        campaign = transition(campaign_for(ready_to_dial(), 20), "start")
    first_claimed, release, other = threading.Event(), threading.Event(), []

    def claim_and_hold():
        try:
            with tenant_context(acme), transaction.atomic():
                other.extend(dispatch.claim_due(campaign, 5, now=campaign.started_at))
                first_claimed.set()
                release.wait(10)  # keep the rows locked, uncommitted, while the other claimer runs
        finally:
            connection.close()

    thread = threading.Thread(target=claim_and_hold)
    thread.start()
    assert first_claimed.wait(10)
    with tenant_context(acme):
        mine = dispatch.claim_due(campaign, 20, now=campaign.started_at)
    release.set()
    thread.join()
    assert len(other) == 5 and len(mine) == 15
    assert not {c.attempt_id for c in other} & {c.attempt_id for c in mine}
    with tenant_context(acme):
        assert set(Attempt.objects.values_list("status", flat=True)) == {"claimed"}


def test_dial_tasks_are_acknowledged_late_and_redelivered_when_the_worker_dies():
    assert tasks.dial_attempt.acks_late is True
    assert tasks.dial_attempt.reject_on_worker_lost is True


def test_the_dispatcher_ticks_every_few_seconds_for_every_tenant():
    entry = settings.CELERY_BEAT_SCHEDULE["campaigns-dispatch"]
    assert (entry["task"], entry["schedule"]) == ("campaigns.dispatch", 5.0)
    assert "tenant_schemas" not in entry  # the tenant-aware scheduler then sends it to every tenant


@pytest.mark.slow
def test_a_beat_tick_through_a_real_worker_dials_every_contact(committed_db, fake_http, settings):
    settings.TWILIO_API_BASE_URL = fake_http.url
    script_dials(fake_http, 3)
    acme = Tenant.objects.get(slug="acme")
    with tenant_context(acme):
        campaign = transition(campaign_for(ready_to_dial(), 3), "start")
    app.control.purge()  # what earlier tests of this run left in the queues would run first and could take longer
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        with tenant_context(acme):
            tasks.dispatch.delay()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with tenant_context(acme):
                if not Attempt.objects.exclude(status="in_progress").exists():
                    break
            time.sleep(0.05)
    assert sorted(dialed_numbers(fake_http)) == ["+14152000000", "+14152000001", "+14152000002"]
    with tenant_context(acme):
        assert set(Attempt.objects.values_list("status", flat=True)) == {"in_progress"}
        assert Campaign.objects.get(pk=campaign.pk).status == "running"
