"""A campaign attempt closed while its dial is in flight stays closed: the dial task marks it `in_progress` only if
it is still `dialing` (its call's end, recorded by the status callback, may land before Twilio's answer does).

The overlap is forced: the test holds the tenant's dial lock (its Twilio account row) while the dial task waits for
it, past the point where the attempt was marked `dialing`, and closes the attempt meanwhile."""

import threading
import time

import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from calls.models import TwilioAccount
from campaigns.models import Attempt
from campaigns.services import dispatch
from campaigns.services.lifecycle import transition
from campaigns.tests.conftest import campaign_for, ready_to_dial, script_dials, twilio_api
from config.tests.waiting import sessions_waiting_for_a_lock
from tenants.models import Tenant

__all__ = ["twilio_api"]


@pytest.mark.slow
def test_an_attempt_closed_while_its_dial_is_in_flight_is_not_reopened(committed_db, twilio_api):
    acme = Tenant.objects.get(slug="acme")
    script_dials(twilio_api, 1)
    with tenant_context(acme):
        transition(campaign_for(ready_to_dial(), 1), "start")
        [claim] = dispatch.tick()
    failures = []

    def dial():
        try:
            with tenant_context(acme):
                dispatch.dial(claim.attempt_id, claim.token)
        except Exception as exc:  # recorded, so the assertion below shows what went wrong
            failures.append(repr(exc))
        finally:
            connection.close()

    worker = threading.Thread(target=dial)
    with tenant_context(acme):
        with transaction.atomic(), connection.cursor() as cursor:
            TwilioAccount.objects.select_for_update().get()
            worker.start()
            deadline = time.monotonic() + 15
            while sessions_waiting_for_a_lock(cursor) < 1 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert sessions_waiting_for_a_lock(cursor) == 1, "the dial should wait for the lock"
            assert Attempt.objects.get().status == "dialing"
            Attempt.objects.update(status="done", outcome="completed")
        worker.join(timeout=30)
        assert failures == []
        assert list(Attempt.objects.values_list("status", "outcome")) == [("done", "completed")]
