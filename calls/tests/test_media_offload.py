"""Where a live call's work runs: provider and engine work on the media pool, starting the stream and storing
records on small pools of their own, each inside the call's tenant schema."""

import threading

import pytest
from django.db import connection

from calls.media.pools import offload_in_tenant, record_in_tenant, record_publishing, start_set_up

pytestmark = pytest.mark.django_db


def where():
    return threading.current_thread().name, connection.schema_name


async def test_turn_work_runs_on_the_media_pool_in_the_tenants_schema(acme):
    thread, schema = await offload_in_tenant(acme, where)

    assert thread.startswith("call-media") and schema == acme.schema_name


async def test_records_are_stored_on_their_own_pool_in_the_tenants_schema(acme):
    thread, schema = await record_in_tenant(acme, where)

    assert thread.startswith("call-records") and schema == acme.schema_name


async def test_a_stream_is_set_up_on_its_own_pool_in_the_tenants_schema(acme):
    thread, schema = await start_set_up(acme, where)

    assert thread.startswith("call-set-up") and schema == acme.schema_name


async def test_a_streams_tenant_is_looked_up_on_the_set_up_pool_in_the_public_schema():
    thread, schema = await start_set_up(None, where)

    assert thread.startswith("call-set-up") and schema == "public"


async def test_ending_a_call_the_caller_left_is_stored_on_the_records_pool(acme):
    thread, schema = await record_publishing(acme, where)

    assert thread.startswith("call-records") and schema == acme.schema_name


async def test_ending_a_call_that_waits_on_twilio_runs_on_the_media_pool_to_keep_the_records_moving(acme):
    thread, schema = await record_publishing(acme, where, waits_on_network=True)

    assert thread.startswith("call-media") and schema == acme.schema_name
