"""Post-call analysis: the transcript, a summary, the caller's sentiment, the fields the agent's analysis
profile asks for, and whether the call succeeded — from the agent's LLM when it has one, otherwise from
offline heuristics over what was said. Pure computation: `calls.services.postcall` stores the result."""

import json
import logging
import re
from dataclasses import dataclass, field

from agents.providers.base import ProviderError
from agents.services.credentials import build_provider
from calls.models import Call, CallTurn
from config.errors import DomainError

logger = logging.getLogger(__name__)

SENTIMENTS = ("positive", "neutral", "negative")
POSITIVE = {
    "thank",
    "thanks",
    "great",
    "perfect",
    "wonderful",
    "excellent",
    "happy",
    "love",
    "awesome",
    "helpful",
    "appreciate",
    "good",
    "fantastic",
    "brilliant",
    "lovely",
    "nice",
    "glad",
}
NEGATIVE = {
    "angry",
    "terrible",
    "awful",
    "wrong",
    "bad",
    "useless",
    "frustrated",
    "frustrating",
    "upset",
    "complaint",
    "worst",
    "ridiculous",
    "unacceptable",
    "disappointed",
    "annoyed",
    "hate",
    "horrible",
    "rude",
    "problem",
}
NEGATIONS = {"not", "no", "never", "isn't", "wasn't", "don't", "didn't", "hardly"}
WORD = re.compile(r"[a-z']+")
NAME = re.compile(r"\b(?:my name is|this is|i am|i'm|it's)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)")
TIME = re.compile(
    r"\b(?:(?:today|tomorrow|tonight|(?:next\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))"
    r"(?:\s+(?:morning|afternoon|evening))?(?:\s+(?:at\s+)?\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?)?"
    r"|\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}:\d{2})",
    re.IGNORECASE,
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE = re.compile(r"\+?\d[\d\s().-]{7,}\d")


@dataclass
class Analysis:
    transcript: str
    summary: str
    sentiment: str
    extraction: dict = field(default_factory=dict)
    success: bool | None = None
    method: str = "heuristic"


def transcript_of(turns) -> str:
    """One line per turn; an interrupted agent turn shows only what the caller heard."""
    lines = []
    for turn in turns:
        text = turn.heard_text if turn.interrupted and turn.heard_text else turn.text
        if text.strip():
            lines.append(f"{turn.get_speaker_display()}: {text.strip()}")
    return "\n".join(lines)


def sentiment_of(caller_texts: list[str]) -> str:
    """Word-list polarity of what the caller said; a negation just before a word flips it."""
    score = 0
    for text in caller_texts:
        words = WORD.findall(text.lower())
        for position, word in enumerate(words):
            polarity = (word in POSITIVE) - (word in NEGATIVE) or (word.rstrip("s") in POSITIVE) - (
                word.rstrip("s") in NEGATIVE
            )
            if polarity and NEGATIONS.intersection(words[max(0, position - 2) : position]):
                polarity = -polarity
            score += polarity
    return "positive" if score > 0 else "negative" if score < 0 else "neutral"


def _heuristic_field(name: str, caller_texts: list[str]):
    key = name.lower()
    patterns = (
        (("name",), NAME, 1),
        (("time", "date", "when", "callback"), TIME, 0),
        (("email",), EMAIL, 0),
        (("phone", "number"), PHONE, 0),
    )
    for hints, pattern, group in patterns:
        if any(hint in key for hint in hints):
            for text in caller_texts:
                found = pattern.search(text)
                if found:
                    return found.group(group).strip()
            return None
    if "reason" in key or "purpose" in key or "intent" in key:
        return next((text for text in caller_texts if len(text.split()) >= 3), None)
    return None


def extract(fields: list[dict], call: Call, caller_texts: list[str]) -> dict:
    """What the conversation collected (engine answers, contact variables) first, then what was said."""
    answers = {**call.contact_variables, **(call.state.get("answers") or {})}
    extracted = {}
    for spec in fields:
        name = spec["name"]
        value = answers.get(name)
        extracted[name] = value if value not in (None, "") else _heuristic_field(name, caller_texts)
    return extracted


def _summary(call: Call, turns, extraction: dict) -> str:
    caller = [turn.text.strip() for turn in turns if turn.speaker == CallTurn.Speaker.CALLER and turn.text.strip()]
    agent = [turn.text.strip() for turn in turns if turn.speaker == CallTurn.Speaker.AGENT and turn.text.strip()]
    parts = [
        f"{call.get_direction_display()} call, {call.get_status_display().lower()}"
        + (f" after {call.duration_seconds} s." if call.duration_seconds else ".")
    ]
    if caller:
        parts.append(f'The caller said: "{caller[0]}"')
    if agent and len(agent) > 1:
        parts.append(f'The agent closed with: "{agent[-1]}"')
    found = {name: value for name, value in extraction.items() if value not in (None, "")}
    if found:
        parts.append("Collected: " + ", ".join(f"{name} = {value}" for name, value in found.items()) + ".")
    if not caller:
        parts.append("The caller said nothing.")
    return " ".join(parts)


def heuristic(call: Call, turns, fields: list[dict]) -> Analysis:
    caller_texts = [turn.text for turn in turns if turn.speaker == CallTurn.Speaker.CALLER and turn.text.strip()]
    extraction = extract(fields, call, caller_texts)
    success = (
        call.status == Call.Status.COMPLETED
        and bool(caller_texts)
        and all(value not in (None, "") for value in extraction.values())
    )
    return Analysis(
        transcript=transcript_of(turns),
        summary=_summary(call, turns, extraction),
        sentiment=sentiment_of(caller_texts),
        extraction=extraction,
        success=success,
    )


LLM_INSTRUCTIONS = """You analyse a finished phone call between an AI agent and a caller.
Answer with one JSON object only, with these keys:
"summary": two or three sentences on what the caller wanted and how it ended;
"sentiment": the caller's sentiment, one of "positive", "neutral", "negative";
"extraction": an object with exactly these keys (null when not stated): {fields};
"success": true or false — {criteria}"""


def with_llm(call: Call, turns, fields: list[dict], success_criteria: str) -> Analysis | None:
    """The agent's own LLM does the analysis; None when it fails or answers off-format (the caller falls back)."""
    agent = call.agent
    transcript = transcript_of(turns)
    described = ", ".join(f'"{spec["name"]}" ({spec.get("description", "")})' for spec in fields) or "none"
    criteria = success_criteria or "did the caller get what they called for?"
    try:
        llm = build_provider("llm", agent.llm_provider)
        reply = llm.chat(
            [
                {"role": "system", "content": LLM_INSTRUCTIONS.format(fields=described, criteria=criteria)},
                {"role": "user", "content": transcript or "(no words were exchanged)"},
            ],
            model=agent.llm_model,
            temperature=0.0,
            max_tokens=600,
        )
        data = json.loads(re.sub(r"^```(?:json)?|```$", "", reply.text.strip()).strip())
    except (ProviderError, DomainError, ValueError) as exc:
        logger.warning("LLM analysis of call %s failed, using the offline heuristic: %s", call.pk, exc)
        return None
    if (
        not isinstance(data, dict)
        or data.get("sentiment") not in SENTIMENTS
        or not isinstance(data.get("summary"), str)
    ):
        logger.warning("LLM analysis of call %s was off-format, using the offline heuristic", call.pk)
        return None
    extraction = data.get("extraction") if isinstance(data.get("extraction"), dict) else {}
    return Analysis(
        transcript=transcript,
        summary=data["summary"].strip(),
        sentiment=data["sentiment"],
        extraction={spec["name"]: extraction.get(spec["name"]) for spec in fields},
        success=data["success"] if isinstance(data.get("success"), bool) else None,
        method="llm",
    )


def analyse(call: Call, turns, *, fields: list[dict], success_criteria: str = "") -> Analysis:
    if call.agent is not None and call.agent.llm_provider:
        result = with_llm(call, turns, fields, success_criteria)
        if result is not None:
            return result
    return heuristic(call, turns, fields)
