"""Stored transcripts mask card numbers, SSNs and dates of birth unless the tenant turned redaction off; the live view
sees what is stored."""

import pytest
from django_tenants.utils import tenant_context

from calls import services
from calls.media.services import record_exchange
from compliance.models import ComplianceSettings
from compliance.redaction import CARD

pytestmark = pytest.mark.django_db

SAID = "my card is 4111 1111 1111 1111"


def redaction_off():
    ComplianceSettings.objects.update_or_create(singleton=True, defaults={"redact_pii": False})


def live_exchange(call, *, redact):
    return record_exchange(
        call.pk,
        caller_text=SAID,
        agent_text="I have 4111 1111 1111 1111, thanks.",
        node_id="pay",
        actions=[],
        timings={},
        state={},
        redact=redact,
    )


def test_a_live_calls_turns_are_stored_and_shown_masked(acme):
    with tenant_context(acme):
        call = services.start_call(direction="inbound")
        events = live_exchange(call, redact=True)
        assert [turn.text for turn in call.turns.order_by("index")] == [f"my card is {CARD}", f"I have {CARD}, thanks."]
    assert events[0]["text"] == f"my card is {CARD}"


def test_a_live_call_of_a_tenant_without_redaction_keeps_the_words(acme):
    with tenant_context(acme):
        call = services.start_call(direction="inbound")
        live_exchange(call, redact=False)
        assert call.turns.order_by("index").first().text == SAID


def test_a_recorded_turn_is_masked_by_default(acme):
    with tenant_context(acme):
        call = services.start_call(direction="sandbox")
        services.record_turn(call, speaker="caller", text="born on 04/12/1985")
        assert call.turns.get().text == "born on [date of birth]"


def test_a_recorded_turn_keeps_the_words_when_the_tenant_turned_redaction_off(acme):
    with tenant_context(acme):
        redaction_off()
        call = services.start_call(direction="sandbox")
        services.record_turn(call, speaker="caller", text=SAID)
        assert call.turns.get().text == SAID


def test_a_live_call_takes_the_tenants_choice_when_its_stream_opens(acme):
    from agents.tests.factories import AgentFactory
    from calls.media.services import open_stream
    from calls.tests.factories import CallFactory

    with tenant_context(acme):
        call = CallFactory(agent=AgentFactory(), status="ringing")
        assert open_stream(call.pk, call.twilio_call_sid).redact_pii is True
        redaction_off()
        call = CallFactory(agent=AgentFactory(), status="ringing")
        assert open_stream(call.pk, call.twilio_call_sid).redact_pii is False
