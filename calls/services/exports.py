"""The calls CSV export: one row per call, every cell through `config.csv` (so callers' words and tenants'
names cannot run as spreadsheet formulas)."""

import json
from collections.abc import Iterable, Iterator

from config.csv import lines

COLUMNS = [
    "id",
    "created_at",
    "direction",
    "status",
    "agent",
    "from_number",
    "to_number",
    "started_at",
    "ended_at",
    "duration_seconds",
    "billable_seconds",
    "end_reason",
    "answered_by",
    "sentiment",
    "success",
    "summary",
    "tags",
    "extraction",
]


def _row(call) -> list:
    return [
        call.pk,
        call.created_at.isoformat(),
        call.direction,
        call.status,
        call.agent.name if call.agent else "",
        call.from_number,
        call.to_number,
        call.started_at.isoformat() if call.started_at else "",
        call.ended_at.isoformat() if call.ended_at else "",
        call.duration_seconds,
        call.billable_seconds,
        call.end_reason,
        call.answered_by,
        call.sentiment,
        call.success,
        call.summary,
        " ".join(call.tags),
        json.dumps(call.extraction) if call.extraction else "",
    ]


def calls_csv(calls: Iterable) -> Iterator[str]:
    """The header line, then a line per call (`calls` is read in chunks, for a streamed response)."""
    yield from lines([COLUMNS])
    if hasattr(calls, "iterator"):
        calls = calls.select_related("agent").iterator(chunk_size=500)
    yield from lines(_row(call) for call in calls)
