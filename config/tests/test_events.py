"""config.events.publish: a tenant's domain events reach its group `events.<schema>` once the change commits."""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from config.celery import TenantRequired
from config.events import EVENT_TYPES, publish

ACME, GLOBEX = "t_acme", "t_globex"


class Rollback(Exception):
    pass


def test_an_event_reaches_the_tenants_group_only_once_the_transaction_commits(committed_db, subscribe):
    acme = subscribe(ACME)
    with schema_context(ACME), transaction.atomic():
        publish("call.started", {"call_id": 1})
        assert acme.events() == []
    assert [(event["type"], event["data"]) for event in acme.events()] == [("call.started", {"call_id": 1})]


def test_a_rolled_back_change_publishes_nothing(committed_db, subscribe):
    acme = subscribe(ACME)
    with pytest.raises(Rollback), schema_context(ACME), transaction.atomic():
        publish("call.started", {"call_id": 1})
        raise Rollback
    assert acme.events() == []


def test_the_tenant_is_the_one_of_the_publishing_call_even_if_the_commit_happens_elsewhere(committed_db, subscribe):
    acme, globex = subscribe(ACME), subscribe(GLOBEX)
    with transaction.atomic(), schema_context(ACME):
        publish("campaign.started", {"campaign_id": 7})
        # The commit below runs on the public schema, as at the end of a request.
    assert [event["data"] for event in acme.events()] == [{"campaign_id": 7}]
    assert globex.events() == []


def test_an_event_has_a_type_a_unique_id_its_time_and_json_data(committed_db, subscribe):
    acme = subscribe(ACME)
    start = datetime(2026, 11, 23, 18, 30, tzinfo=timezone.get_fixed_timezone(-300))
    with schema_context(ACME):
        publish("appointment.booked", {"appointment_id": 3, "start": start, "cost": Decimal("1.50"), "call_id": None})
        publish("appointment.booked", {"appointment_id": 4})
    first, second = acme.events()
    assert set(first) == {"type", "id", "occurred_at", "data"}
    assert first["type"] == "appointment.booked"
    assert uuid.UUID(first["id"]) != uuid.UUID(second["id"])
    assert abs(datetime.fromisoformat(first["occurred_at"]) - timezone.now()) < timedelta(seconds=10)
    assert first["data"] == {"appointment_id": 3, "start": "2026-11-23T18:30:00-05:00", "cost": "1.50", "call_id": None}


def test_an_unknown_event_type_is_refused(committed_db):
    with schema_context(ACME), pytest.raises(ValueError, match="call.exploded"):
        publish("call.exploded", {})


def test_an_event_published_without_a_tenant_is_refused(committed_db):
    with pytest.raises(TenantRequired):
        publish("call.started", {"call_id": 1})


def test_every_event_type_is_documented():
    assert all(name.count(".") == 1 and description.strip() for name, description in EVENT_TYPES.items())


def test_a_channel_layer_that_is_down_does_not_fail_the_committed_change(committed_db, settings, caplog):
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}
    }
    with schema_context(ACME), transaction.atomic():
        publish("call.started", {"call_id": 1})
    assert "on_commit" in caplog.text
