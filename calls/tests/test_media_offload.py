"""Where a live call's work runs: provider and engine work on the media pool, stored records on a pool of their
own, each inside the call's tenant schema."""
import threading

import pytest
from django.db import connection

from calls.media.speech import offload_in_tenant, record_in_tenant

pytestmark = pytest.mark.django_db


def where():
    return threading.current_thread().name, connection.schema_name


async def test_turn_work_runs_on_the_media_pool_in_the_tenants_schema(acme):
    thread, schema = await offload_in_tenant(acme, where)

    assert thread.startswith("call-media") and schema == acme.schema_name


async def test_records_are_stored_on_their_own_pool_in_the_tenants_schema(acme):
    thread, schema = await record_in_tenant(acme, where)

    assert thread.startswith("call-records") and schema == acme.schema_name
