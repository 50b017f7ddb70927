"""The API's ModelSerializer base reads plain columns with one getattr and everything else DRF's way: what it
returns is what DRF's own reading returns."""

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework import serializers

from calls.api.serializers import CallDetailSerializer, CallNoteSerializer, CallSerializer
from calls.models import Call
from calls.tests.factories import CallFactory, CallTurnFactory

pytestmark = pytest.mark.django_db


def drf_reading(serializer, instance) -> dict:
    return serializers.Serializer.to_representation(serializer, instance)


@pytest.fixture
def answered(acme):
    with tenant_context(acme):
        call = CallFactory(
            started_at=timezone.now(),
            ended_at=timezone.now(),
            duration_seconds=42,
            end_reason="=HYPERLINK(x)",
            sentiment="positive",
            success=True,
            summary="Booked a cleaning.",
            tags=["vip", "booked"],
            extraction={"day": "Tuesday"},
        )
        CallTurnFactory(call=call, index=0, text="Hello", stt_ms=120)
        yield Call.objects.select_related("agent").prefetch_related("turns", "notes", "feedback").get(pk=call.pk)


@pytest.mark.parametrize("serializer_class", [CallSerializer, CallDetailSerializer])
def test_a_call_reads_as_drf_reads_it(answered, serializer_class):
    serializer = serializer_class()
    assert serializer.to_representation(answered) == drf_reading(serializer, answered)


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_date_times_read_as_drf_reads_them_in_the_current_zone(answered, zone):
    serializer = CallDetailSerializer()
    with timezone.override(zone):
        shown = serializer.to_representation(answered)
        assert shown == drf_reading(serializer, answered)
    assert shown["started_at"].endswith("Z") == (zone == "UTC")  # shown in that zone, with its offset


def test_a_column_left_unread_by_the_query_is_read_when_shown(acme, answered):
    with tenant_context(acme):
        deferred = Call.objects.defer("summary", "tags").get(pk=answered.pk)
        shown = CallSerializer(deferred).data
    assert (shown["summary"], shown["tags"]) == ("Booked a cleaning.", ["vip", "booked"])


def test_data_not_saved_yet_reads_as_drf_reads_it():
    serializer = CallNoteSerializer(data={"text": "Call back after five."})
    assert serializer.is_valid(), serializer.errors
    assert serializer.data == drf_reading(serializer, serializer.validated_data)
    assert serializer.data["text"] == "Call back after five."
