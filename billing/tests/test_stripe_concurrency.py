"""Acceptance: the same Stripe event delivered 5 times at once, on 5 connections, is applied exactly once.

The overlap is forced: the test holds the tenant's subscription row until all 5 deliveries wait (the one that claimed
the event id, for the row; the 4 others, for that claim's uncommitted id), then lets go."""

import threading
import time

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test import Client
from django_tenants.utils import tenant_context

from billing.models import Plan, StripeEvent, Subscription
from billing.tests import stripe_fakes as fake
from compliance.models import AuditEvent
from config.tests.waiting import sessions_waiting_for_a_lock
from tenants.models import Tenant

DELIVERIES = 5


@pytest.mark.slow
def test_the_same_event_delivered_five_times_concurrently_is_applied_once(committed_db, settings):
    settings.STRIPE_WEBHOOK_SECRET = fake.WEBHOOK_SECRET
    acme = Tenant.objects.get(slug="acme")
    Subscription.objects.filter(tenant=acme).update(plan=Plan.objects.get(slug="starter"), status="trialing")
    session = fake.checkout_session(
        url=None,
        customer="cus_acme",
        subscription="sub_acme",
        metadata={"tenant_id": str(acme.pk), "plan": "pro"},
        client_reference_id=str(acme.pk),
    )
    body, signature = fake.delivery(fake.event("checkout.session.completed", session))
    answers = []

    def deliver():
        try:
            response = Client(HTTP_HOST=django_settings.API_HOST).post(
                "/api/webhooks/stripe", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
            )
            answers.append((response.status_code, response.json()["duplicate"]))
        except Exception as exc:  # recorded, so the assertion below shows what went wrong
            answers.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(DELIVERIES)]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {Subscription._meta.db_table} WHERE tenant_id = %s FOR UPDATE", [acme.pk])
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + 15
            while sessions_waiting_for_a_lock(cursor) < DELIVERIES and time.monotonic() < deadline:
                time.sleep(0.01)
            assert sessions_waiting_for_a_lock(cursor) == DELIVERIES, "every delivery should be in flight"
        for thread in threads:
            thread.join(timeout=30)

        assert sorted(answers) == [(200, False)] + [(200, True)] * (DELIVERIES - 1)
        assert StripeEvent.objects.count() == 1
        assert Subscription.objects.get(tenant=acme).plan.slug == "pro"
        with tenant_context(acme):
            assert AuditEvent.objects.filter(action="billing.subscribed").count() == 1
    finally:
        StripeEvent.objects.all().delete()
