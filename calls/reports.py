"""The period report as a PDF: totals, calls per day, sentiment split, per-agent figures and the call list
(up to `CALL_LIST_CAP` calls), from the same selectors as the analytics API so the figures agree."""

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from calls import selectors

CALL_LIST_CAP = 500
SUMMARY_CHARS = 160
SENTIMENTS = ("positive", "neutral", "negative")

_STYLES = getSampleStyleSheet()
_CELL = _STYLES["BodyText"].clone("cell", fontSize=8, leading=10)
_TABLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf2")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0b8c4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def period_report(calls, *, title: str, date_from, date_to, tz) -> bytes:
    """`calls`: the filtered calls of the period [date_from, date_to] (the tenant's calendar days in `tz`)."""
    stats = selectors.call_stats(calls)
    per_day = selectors.calls_per_day(calls, date_from=date_from, date_to=date_to, tz=tz)
    agents = selectors.per_agent_stats(calls)
    listed = list(calls.order_by("created_at", "id")[:CALL_LIST_CAP])

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        title=title,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
    )
    story = [
        Paragraph(escape(title), _STYLES["Title"]),
        Paragraph(f"Period: {date_from.isoformat()} to {date_to.isoformat()} ({escape(str(tz))})", _STYLES["Normal"]),
        Spacer(0, 4 * mm),
        *_section("Totals", _totals(stats)),
        *_section("Sentiment", _sentiment(stats)),
        *_section(
            "Calls per day",
            [["Date", "Total", "Answered", "Inbound", "Outbound", *map(str.capitalize, SENTIMENTS)]]
            + [
                [
                    row["date"],
                    row["total"],
                    row["answered"],
                    row["inbound"],
                    row["outbound"],
                    *(row[sentiment] for sentiment in SENTIMENTS),
                ]
                for row in per_day
            ],
        ),
        *_section(
            "Agents",
            [["Agent", "Calls", "Answered", "Success rate", "Avg duration (s)", "Billable min", "Positive", "Negative"]]
            + [
                [
                    _cell(row["agent_name"]),
                    row["total"],
                    row["answered"],
                    _rate(row["success_rate"]),
                    _number(row["average_duration_seconds"]),
                    row["billable_minutes"],
                    row["positive"],
                    row["negative"],
                ]
                for row in agents
            ],
        ),
        *_section(
            _list_heading(len(listed), stats["total"]),
            _call_rows(listed, tz),
            widths=[32 * mm, 18 * mm, 20 * mm, 30 * mm, 30 * mm, 30 * mm, 16 * mm, 18 * mm, None],
        ),
    ]
    doc.build(story)
    return buffer.getvalue()


def _section(heading, rows, widths=None):
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(_TABLE)
    return [Paragraph(escape(heading), _STYLES["Heading2"]), table, Spacer(0, 4 * mm)]


def _totals(stats):
    return [
        ["Calls", "Answered", "Answer rate", "Success rate", "Avg duration (s)", "Billable minutes"],
        [
            stats["total"],
            stats["answered"],
            _rate(stats["answer_rate"]),
            _rate(stats["success_rate"]),
            _number(stats["average_duration_seconds"]),
            stats["billable_minutes"],
        ],
    ]


def _sentiment(stats):
    counts = {sentiment: stats["by_sentiment"].get(sentiment, 0) for sentiment in SENTIMENTS}
    counts["unanalysed"] = stats["total"] - sum(counts.values())
    return [["Sentiment", "Calls", "Share"]] + [
        [name.capitalize(), count, _rate(count / stats["total"] if stats["total"] else None)]
        for name, count in counts.items()
    ]


def _list_heading(listed, total):
    return f"Calls ({total})" if listed == total else f"Calls (the first {listed} of {total})"


def _call_rows(calls, tz):
    rows = [["Created", "Direction", "Status", "Agent", "From", "To", "Duration", "Sentiment", "Summary"]]
    for call in calls:
        summary = call.summary if len(call.summary) <= SUMMARY_CHARS else call.summary[: SUMMARY_CHARS - 1] + "…"
        rows.append(
            [
                call.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                call.direction,
                call.status,
                _cell(call.agent.name if call.agent else ""),
                call.from_number,
                call.to_number,
                "" if call.duration_seconds is None else f"{call.duration_seconds} s",
                call.sentiment,
                _cell(summary),
            ]
        )
    return rows


def _cell(text: str) -> Paragraph:
    """Free text wraps inside its column; it is escaped because Paragraph reads markup."""
    return Paragraph(escape(text), _CELL)


def _rate(value) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _number(value) -> str:
    return "" if value is None else f"{value}"
