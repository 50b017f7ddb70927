"""What a call cost us, by part (telephony, speech-to-text, the language model, text-to-speech), at the providers'
prices in CALL_COST_PRICES. Billing prices what the app owning calls measured; it counts nothing itself."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

# Each part: the unit it is priced in (CALL_COST_PRICES[part][provider] is the price of one unit).
UNITS = {"telephony": "minute", "stt": "minute", "llm": "1k_tokens", "tts": "1k_characters"}
# The transcript is what we have of the model's input and output: about 4 characters a token.
CHARACTERS_PER_TOKEN = 4
CENT_FRACTIONS = Decimal("0.0001")


@dataclass(frozen=True)
class CallUsage:
    """What one call used: its seconds, the providers that served it, the characters the model read and wrote
    over the conversation, and the characters spoken by text-to-speech."""

    seconds: int
    telephony: str
    stt: str
    llm: str
    tts: str
    llm_characters: int
    tts_characters: int


def call_cost(usage: CallUsage) -> dict:
    """{part: {provider, quantity, unit, unit_price, amount}, "total", "currency"}; a provider without a price in
    the setting costs nothing and is listed under "unpriced", so a missing price shows instead of hiding."""
    minutes = Decimal(usage.seconds) / 60
    quantities = {
        "telephony": minutes,
        "stt": minutes,
        "llm": Decimal(usage.llm_characters) / CHARACTERS_PER_TOKEN / 1000,
        "tts": Decimal(usage.tts_characters) / 1000,
    }
    parts, unpriced, total = {}, [], Decimal(0)
    for part, quantity in quantities.items():
        provider = getattr(usage, part)
        if not provider:
            continue
        price = settings.CALL_COST_PRICES.get(part, {}).get(provider)
        if price is None:
            unpriced.append(f"{part}:{provider}")
        amount = (quantity * Decimal(str(price or 0))).quantize(CENT_FRACTIONS, rounding=ROUND_HALF_UP)
        total += amount
        parts[part] = {
            "provider": provider,
            "quantity": str(quantity.quantize(CENT_FRACTIONS, rounding=ROUND_HALF_UP)),
            "unit": UNITS[part],
            "unit_price": None if price is None else str(price),
            "amount": str(amount),
        }
    return {**parts, "total": str(total), "currency": settings.STRIPE_CURRENCY, "unpriced": unpriced}
