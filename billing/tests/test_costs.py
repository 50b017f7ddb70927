"""A call's cost by part (telephony, STT, LLM, TTS) at the providers' prices in CALL_COST_PRICES: computed when the
call is analysed, stored on it and shown by GET /api/calls/{id}."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.tests.factories import AgentFactory
from billing.costs import CallUsage, call_cost
from calls.tasks import analyse_call
from calls.tests.factories import CallFactory, CallTurnFactory

PRICES = {
    "telephony": {"twilio": "0.0140"},
    "stt": {"whisper": "0"},
    "llm": {"openai": "0.5"},
    "tts": {"espeak": "0"},
}


@pytest.fixture
def prices(settings):
    settings.CALL_COST_PRICES = PRICES
    return PRICES


def usage(**fields):
    return CallUsage(
        **{
            "seconds": 90,
            "telephony": "twilio",
            "stt": "whisper",
            "llm": "openai",
            "tts": "espeak",
            "llm_characters": 8000,
            "tts_characters": 1200,
            **fields,
        }
    )


def test_each_part_is_priced_in_its_unit(prices):
    cost = call_cost(usage())
    assert cost["telephony"] == {
        "provider": "twilio",
        "quantity": "1.5000",
        "unit": "minute",
        "unit_price": "0.0140",
        "amount": "0.0210",
    }
    assert (cost["llm"]["quantity"], cost["llm"]["unit"], cost["llm"]["amount"]) == ("2.0000", "1k_tokens", "1.0000")
    assert (cost["tts"]["quantity"], cost["tts"]["amount"]) == ("1.2000", "0.0000")
    assert (cost["total"], cost["currency"], cost["unpriced"]) == ("1.0210", "usd", [])


def test_a_provider_without_a_price_is_listed_as_unpriced_not_hidden(prices):
    cost = call_cost(usage(llm="anthropic"))
    assert cost["llm"]["unit_price"] is None and cost["llm"]["amount"] == "0.0000"
    assert cost["unpriced"] == ["llm:anthropic"]


def test_a_part_no_provider_served_is_left_out(prices):
    assert "llm" not in call_cost(usage(llm=""))


@pytest.mark.django_db
def test_an_analysed_call_stores_its_cost_and_the_api_shows_it(api, alice, acme, prices):
    with tenant_context(acme):
        agent = AgentFactory(stt_provider="whisper", llm_provider="openai", tts_provider="espeak")
        call = CallFactory(agent=agent, duration_seconds=120, started_at=timezone.now() - timedelta(minutes=2))
        CallTurnFactory(call=call, speaker="agent", text="a" * 400)
        CallTurnFactory(call=call, speaker="caller", text="b" * 3600)
        analyse_call(call.pk)
    body = api(alice, acme).get(f"/api/calls/{call.pk}").json()
    assert body["cost"]["telephony"]["amount"] == "0.0280"  # 2 minutes
    assert body["cost"]["llm"]["quantity"] == "1.0000"  # 4,000 characters: 1,000 tokens
    assert body["cost"]["tts"]["quantity"] == "0.4000"  # the agent's 400 characters
    assert body["cost"]["total"] == "0.5280"
