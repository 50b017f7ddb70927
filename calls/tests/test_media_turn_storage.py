"""calls.media.services.record_exchange: a live call's caller turn and agent answer, stored together.

Committed, as on a live call's records thread: no transaction around it unless the caller has one."""

import pytest
from django.db import transaction
from django_tenants.utils import tenant_context

from calls import services
from calls.media.services import record_exchange
from calls.models import Call
from tenants.models import Tenant

pytestmark = pytest.mark.usefixtures("committed_db")


@pytest.fixture
def live():
    with tenant_context(Tenant.objects.get(slug="acme")):
        yield services.start_call(direction="inbound")


def exchange(call, **given):
    return record_exchange(
        call.pk,
        caller_text="book",
        agent_text="Sure.",
        node_id="ask",
        actions=[],
        timings={"stt_ms": 5.0},
        state={"node": "ask"},
        **given,
    )


def stored(call):
    return list(call.turns.order_by("index").values_list("index", "speaker", "text"))


def test_without_an_expected_index_the_turns_follow_the_stored_ones(live):
    services.record_turn(live, speaker="agent", text="Hello.")
    events = exchange(live)
    assert [event["index"] for event in events] == [1, 2]
    assert stored(live) == [(0, "agent", "Hello."), (1, "caller", "book"), (2, "agent", "Sure.")]


def test_at_the_expected_index_the_turns_go_in_there_with_the_engine_state(live):
    services.record_turn(live, speaker="agent", text="Hello.")
    exchange(live, index=1)
    assert stored(live) == [(0, "agent", "Hello."), (1, "caller", "book"), (2, "agent", "Sure.")]
    assert Call.objects.get(pk=live.pk).state == {"node": "ask"}


def test_an_index_another_writer_took_meanwhile_is_numbered_after_its_turn(live):
    services.record_turn(live, speaker="agent", text="Hello.")
    services.record_turn(live, speaker="agent", text="A staff note.")
    events = exchange(live, index=1)
    assert [event["index"] for event in events] == [2, 3]
    assert stored(live)[1:] == [(1, "agent", "A staff note."), (2, "caller", "book"), (3, "agent", "Sure.")]
    assert all(event["id"] for event in events)


def test_inside_a_callers_transaction_a_taken_index_leaves_that_transaction_usable(live):
    services.record_turn(live, speaker="agent", text="Hello.")
    with transaction.atomic():
        events = exchange(live, index=0)
        services.record_turn(live, speaker="agent", text="Still in the same transaction.")
    assert [event["index"] for event in events] == [1, 2]
    assert stored(live)[-1] == (3, "agent", "Still in the same transaction.")
