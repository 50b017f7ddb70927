"""/api/analytics/*: dashboard, calls per day, sentiment, per-agent stats and the CSV and PDF exports, over the
tenant's calendar days and only its own calls."""

import csv
import io
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from pypdf import PdfReader

from agents.tests.factories import AgentFactory
from billing.tests.factories import put_on_plan
from calls import reports
from calls.models import Call, CallTurn
from calls.tests.factories import CallFactory
from tenants.services import update_tenant

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def at(day, hour=12):
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def history(acme):
    """Three days of Acme's calls: two agents, answered and missed, with sentiments and usage."""
    with tenant_context(acme):
        reception, sales = AgentFactory(name="Reception"), AgentFactory(name="Sales")
        made = [
            (reception, TODAY, "completed", 120, "positive", True),
            (reception, TODAY, "completed", 60, "negative", False),
            (sales, TODAY - timedelta(days=1), "no_answer", None, "", None),
            (sales, TODAY - timedelta(days=2), "completed", 30, "neutral", True),
        ]
        for agent, day, status, duration, sentiment, success in made:
            call = CallFactory(
                agent=agent,
                status=status,
                duration_seconds=duration,
                sentiment=sentiment,
                success=success,
                started_at=at(day) if duration else None,
                billable_seconds=duration or 0,
                summary='=HYPERLINK("http://x")',
            )
            Call.objects.filter(pk=call.pk).update(created_at=at(day))
        return {"reception": reception, "sales": sales}


def test_the_dashboard_sums_up_the_period(api, alice, acme, history):
    body = api(alice, acme).get(f"/api/analytics/dashboard?date_from={TODAY - timedelta(days=6)}").json()
    assert (body["total"], body["answered"], body["answer_rate"], body["success_rate"]) == (4, 3, 0.75, 0.6667)
    assert (body["billable_minutes"], body["average_duration_seconds"]) == (3.5, 70.0)
    assert body["date_to"] == TODAY.isoformat() and body["live_calls"] == 0


def test_the_dashboard_shows_the_monthly_minutes_of_the_tenants_plan(api, mike, acme):
    put_on_plan(acme, monthly_minutes=600)
    assert api(mike, acme).get("/api/analytics/dashboard").json()["monthly_minutes_limit"] == 600


def test_the_dashboard_defaults_to_the_last_30_days(api, alice, acme, history):
    body = api(alice, acme).get("/api/analytics/dashboard").json()
    assert (body["date_from"], body["date_to"]) == ((TODAY - timedelta(days=29)).isoformat(), TODAY.isoformat())


def test_calls_per_day_has_every_day_of_the_range(api, alice, acme, history):
    body = api(alice, acme).get(f"/api/analytics/calls-per-day?date_from={TODAY - timedelta(days=3)}").json()
    assert [(row["date"], row["total"], row["answered"]) for row in body["results"]] == [
        ((TODAY - timedelta(days=3)).isoformat(), 0, 0),
        ((TODAY - timedelta(days=2)).isoformat(), 1, 1),
        ((TODAY - timedelta(days=1)).isoformat(), 1, 0),
        (TODAY.isoformat(), 2, 2),
    ]


def test_days_are_the_tenants_calendar_days(api, alice, acme, history):
    update_tenant(acme, timezone="Pacific/Auckland")  # UTC+12/+13: noon UTC is already the next day there
    tomorrow = TODAY + timedelta(days=1)
    body = api(alice, acme).get(f"/api/analytics/calls-per-day?date_from={TODAY}&date_to={tomorrow}").json()
    assert [(row["date"], row["total"]) for row in body["results"]] == [
        (TODAY.isoformat(), 1),
        (tomorrow.isoformat(), 2),
    ]


def test_sentiment_counts_the_period_and_the_unanalysed(api, alice, acme, history):
    body = api(alice, acme).get("/api/analytics/sentiment").json()
    assert (body["positive"], body["neutral"], body["negative"], body["unanalysed"]) == (1, 1, 1, 1)
    assert body["per_day"][-1] == {"date": TODAY.isoformat(), "positive": 1, "neutral": 0, "negative": 1}


def test_per_agent_stats(api, alice, acme, history):
    rows = {row["agent_name"]: row for row in api(alice, acme).get("/api/analytics/agents").json()["results"]}
    assert (rows["Reception"]["total"], rows["Reception"]["success_rate"], rows["Reception"]["billable_minutes"]) == (
        2,
        0.5,
        3.0,
    )
    assert (rows["Sales"]["total"], rows["Sales"]["answered"]) == (2, 1)


def test_per_agent_stats_give_p50_and_p95_of_each_stage_of_the_answers_to_speech(api, alice, acme, history):
    with tenant_context(acme):
        call = Call.objects.filter(agent=history["reception"]).first()
        for index, total in enumerate([900.0, 1000.0, 1100.0, 2000.0]):
            timings = {"vad_ms": 700.0, "stt_ms": 150.0, "engine_ms": 5.0, "tts_first_ms": 40.0, "total_ms": total}
            CallTurn.objects.create(call=call, index=index, speaker="agent", text="Sure.", **timings)
        # The greeting (no caller speech before it) is not an answer.
        CallTurn.objects.create(call=call, index=9, speaker="agent", text="Hello.", total_ms=50.0)

    rows = {row["agent_name"]: row for row in api(alice, acme).get("/api/analytics/agents").json()["results"]}

    latency = rows["Reception"]["latency"]
    assert (latency["total_p50_ms"], latency["total_p95_ms"]) == (1050.0, 1865.0)
    assert (latency["vad_p50_ms"], latency["stt_p95_ms"], latency["tts_first_p50_ms"]) == (700.0, 150.0, 40.0)
    assert rows["Sales"]["latency"] is None


def test_analytics_filter_by_agent(api, alice, acme, history):
    body = api(alice, acme).get(f"/api/analytics/dashboard?agent={history['sales'].pk}").json()
    assert body["total"] == 2


@pytest.mark.parametrize(
    "query, field",
    [
        ("date_from=2026-13-01", "date_from"),
        ("date_from=2026-02-01&date_to=2026-01-01", "date_to"),
        ("date_from=2020-01-01&date_to=2026-01-01", "date_from"),
        ("agent=x", "agent"),
    ],
)
def test_bad_periods_are_400_naming_the_field(api, alice, acme, query, field):
    response = api(alice, acme).get(f"/api/analytics/calls-per-day?{query}")
    assert response.status_code == 400 and field in response.json()["errors"]


def export(client, query="format=csv"):
    response = client.get(f"/api/analytics/export?{query}")
    return response, list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_export_has_one_row_per_call_oldest_first(api, alice, acme, history):
    response, rows = export(api(alice, acme))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="calls-acme.csv"' in response["Content-Disposition"]
    assert [(row["agent"], row["status"], row["sentiment"]) for row in rows] == [
        ("Sales", "completed", "neutral"),
        ("Sales", "no_answer", ""),
        ("Reception", "completed", "positive"),
        ("Reception", "completed", "negative"),
    ]


def test_the_csv_export_takes_the_call_filters(api, alice, acme, history):
    _, rows = export(api(alice, acme), "format=csv&status=no_answer")
    assert [row["status"] for row in rows] == ["no_answer"]


def test_free_text_in_the_csv_cannot_run_as_a_formula(api, alice, acme, history):
    _, rows = export(api(alice, acme))
    assert rows[0]["summary"] == '\'=HYPERLINK("http://x")'


def test_every_text_cell_of_the_csv_is_escaped_and_numbers_stay_numbers(api, alice, acme):
    with tenant_context(acme):
        CallFactory(
            agent=AgentFactory(name="@SUM(1+1)*cmd|' /C calc'!A0"),
            end_reason="=cmd|' /C calc'!A0",
            answered_by="-2+3",
            from_number="+14155550123",
            tags=["+evil"],
            extraction={"a": 1},
            duration_seconds=0,
        )
    row = export(api(alice, acme))[1][0]
    assert row["end_reason"] == "'=cmd|' /C calc'!A0"
    assert row["agent"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert (row["answered_by"], row["tags"]) == ("'-2+3", "'+evil")
    assert (row["from_number"], row["duration_seconds"]) == ("+14155550123", "0")


def test_an_unsupported_export_format_is_400_naming_it(api, alice, acme):
    response = api(alice, acme).get("/api/analytics/export?format=xlsx")
    assert response.status_code == 400 and "format" in response.json()["errors"]


def test_bob_sees_none_of_alices_numbers_in_analytics(api, bob, globex, acme, history):
    client = api(bob, globex)
    assert client.get("/api/analytics/dashboard").json()["total"] == 0
    assert client.get("/api/analytics/agents").json()["results"] == []
    assert export(client)[1] == []
    assert api(bob, acme).get("/api/analytics/dashboard").status_code == 403


def pdf_text(response) -> str:
    """The PDF's text with table cells one space apart, so a table row reads as one line."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).split())


def test_the_pdf_export_is_a_report_of_the_period(api, alice, acme, history):
    response = api(alice, acme).get(f"/api/analytics/export?format=pdf&date_from={TODAY - timedelta(days=6)}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="calls-acme.pdf"' in response["Content-Disposition"]
    text = pdf_text(response)
    assert f"Period: {TODAY - timedelta(days=6)} to {TODAY}" in text
    assert "4 3 75.0% 66.7% 70.0 3.5" in text  # calls, answered, answer and success rates, average, minutes
    assert f"{TODAY} 2 2 2 0 1 0 1" in text and f"{TODAY - timedelta(days=3)} 0 0 0 0 0 0 0" in text
    assert "Positive 1 25.0%" in text and "Unanalysed 1 25.0%" in text
    assert "Reception 2 2 50.0% 90.0 3.0 1 1" in text
    assert "Calls (4)" in text and text.count('=HYPERLINK("http://x")') == 4


def test_the_pdf_export_takes_the_call_filters(api, alice, acme, history):
    text = pdf_text(api(alice, acme).get(f"/api/analytics/export?format=pdf&agent={history['sales'].pk}"))
    assert "Calls (2)" in text and "Reception" not in text


def test_the_pdf_call_list_stops_at_its_cap(api, alice, acme, history, monkeypatch):
    monkeypatch.setattr(reports, "CALL_LIST_CAP", 3)
    text = pdf_text(api(alice, acme).get("/api/analytics/export?format=pdf"))
    assert "Calls (the first 3 of 4)" in text and text.count('=HYPERLINK("http://x")') == 3


def test_the_pdf_period_is_bounded_like_the_other_analytics(api, alice, acme):
    response = api(alice, acme).get("/api/analytics/export?format=pdf&date_from=2020-01-01&date_to=2026-01-01")
    assert response.status_code == 400 and "date_from" in response.json()["errors"]


def test_bob_gets_an_empty_pdf_of_his_own_tenant_and_no_pdf_of_alices(api, bob, globex, acme, history):
    text = pdf_text(api(bob, globex).get("/api/analytics/export?format=pdf"))
    assert "Calls of Globex Realty" in text and "Calls (0)" in text and "Reception" not in text
    assert api(bob, acme).get("/api/analytics/export?format=pdf").status_code == 403


def test_the_pdf_export_needs_a_login(api, acme):
    assert api(None, acme).get("/api/analytics/export?format=pdf").status_code == 401
