"""Two requests with the same Idempotency-Key at once dial once, and both answer with that call.

The overlap is forced: the test holds the tenant's dial lock (its Twilio account row) until both requests wait for
it; both have then found no call under the key, so the second one's insert hits the key's unique constraint."""

import threading
import time

import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from calls.models import Call, TwilioAccount
from calls.services import place_call
from calls.tests.factories import (
    CONTACT,
    TWILIO_CALLS,
    dialable_agent,
    script_dial,
    twilio_api,
)
from compliance.tests.factories import allow_calling_all_day
from config.tests.waiting import sessions_waiting_for_a_lock
from tenants.models import Tenant

__all__ = ["twilio_api"]


@pytest.mark.slow
def test_the_same_key_dialed_twice_at_once_dials_once_and_both_get_the_call(committed_db, twilio_api):
    acme = Tenant.objects.get(slug="acme")
    allow_calling_all_day(acme)
    with tenant_context(acme):
        agent = dialable_agent()
    script_dial(twilio_api)
    answers = []

    def dial():
        try:
            with tenant_context(acme):
                call, created = place_call(acme, agent=agent, to_number=CONTACT, idempotency_key="order-42")
                answers.append((call.pk, created))
        except Exception as exc:  # recorded, so the assertion below shows what went wrong
            answers.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=dial) for _ in range(2)]
    with tenant_context(acme):
        with transaction.atomic(), connection.cursor() as cursor:
            TwilioAccount.objects.select_for_update().get()
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + 15
            while sessions_waiting_for_a_lock(cursor) < len(threads) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert sessions_waiting_for_a_lock(cursor) == len(threads), "both dials should be in flight"
        for thread in threads:
            thread.join(timeout=30)
        [call] = Call.objects.all()
    assert sorted(answers, key=str) == [(call.pk, False), (call.pk, True)]
    assert len(twilio_api.requests_to("POST", TWILIO_CALLS)) == 1
