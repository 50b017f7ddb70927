"""The overview: today's calls and answer rate, bookings, and the month's minutes against the plan."""

import json
import re
import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from calls.models import Call
from calls.tests.factories import CallFactory, CallTurnFactory

pytestmark = pytest.mark.django_db


def figure(page, name):
    return re.search(rf'data-stat="{name}">(.*?)</p>', page, re.S).group(1).strip()


def test_the_overview_shows_todays_calls_and_answer_rate(browser, mike, acme, globex):
    now = timezone.now()
    with tenant_context(acme):
        CallFactory(started_at=now, duration_seconds=120)
        CallFactory(started_at=now, duration_seconds=60)
        CallFactory(status=Call.Status.NO_ANSWER)
        CallFactory(started_at=now, duration_seconds=60, is_test=True)  # the sandbox is not a call
    with tenant_context(globex):
        CallFactory.create_batch(3, started_at=now)
    page = browser(mike, acme).get("/").content.decode()
    assert figure(page, "calls") == "3"
    assert figure(page, "answer-rate") == "67%"
    assert figure(page, "minutes").startswith("3.0")


def test_yesterdays_calls_are_not_todays(browser, mike, acme):
    with tenant_context(acme):
        call = CallFactory(started_at=timezone.now())
        Call.objects.filter(pk=call.pk).update(created_at=timezone.now() - timedelta(days=2))
    page = browser(mike, acme).get("/").content.decode()
    assert figure(page, "calls") == "0"
    assert figure(page, "answer-rate") == "–"


def charts(response) -> dict:
    found = re.search(r'<script id="overview-charts" type="application/json">(.*?)</script>', response.content.decode())
    return json.loads(found.group(1))


def test_the_charts_have_a_day_each_for_the_last_two_weeks(browser, mike, acme):
    with tenant_context(acme):
        CallFactory.create_batch(2, started_at=timezone.now())
        old = CallFactory()
        Call.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    data = charts(browser(mike, acme).get("/"))
    totals = [day["total"] for day in data["calls"]]
    assert len(totals) == 14 and totals[-1] == 2 and totals[-4] == 1 and totals.count(0) == 12
    assert [day["answered"] for day in data["calls"]][-4:] == [0, 0, 0, 2]


def test_the_sentiment_chart_counts_each_days_calls_by_sentiment(browser, mike, acme):
    with tenant_context(acme):
        CallFactory.create_batch(2, sentiment="positive")
        CallFactory(sentiment="negative")
    today = charts(browser(mike, acme).get("/"))["calls"][-1]
    assert (today["positive"], today["neutral"], today["negative"]) == (2, 0, 1)


def test_the_latency_chart_has_the_agent_turns_p50_and_p95_per_day(browser, mike, acme):
    with tenant_context(acme):
        call = CallFactory(started_at=timezone.now())
        for ms in range(100, 1100, 100):  # 100, 200, ... 1000 ms
            CallTurnFactory(call=call, speaker="agent", total_ms=ms)
        CallTurnFactory(call=call, speaker="caller", total_ms=50_000)  # the caller's turns are not waits
    latency = charts(browser(mike, acme).get("/"))["latency"]
    assert latency[-1] == {"date": latency[-1]["date"], "turns": 10, "p50_ms": 550, "p95_ms": 955}
    assert latency[0] == {"date": latency[0]["date"], "turns": 0, "p50_ms": None, "p95_ms": None}


def test_a_date_range_chooses_the_charts_days(browser, mike, acme):
    with tenant_context(acme):
        old = CallFactory()
        Call.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    day = (timezone.localdate(timezone=zoneinfo.ZoneInfo(acme.timezone)) - timedelta(days=40)).isoformat()
    data = charts(browser(mike, acme).get(f"/?from={day}&to={day}"))
    assert [(row["date"], row["total"]) for row in data["calls"]] == [(day, 1)]


def test_a_range_that_ends_before_it_starts_is_refused_beside_the_field(browser, mike, acme):
    response = browser(mike, acme).get("/?from=2026-12-07&to=2026-12-01")
    assert response.status_code == 400
    assert "The end must not be before the start." in response.content.decode()
    assert len(charts(response)["calls"]) == 14  # the default range is still drawn


def test_a_date_that_is_not_one_is_refused(browser, mike, acme):
    response = browser(mike, acme).get("/?from=yesterday")
    assert response.status_code == 400 and "Enter a date such as 2026-12-07." in response.content.decode()


def test_the_overview_loads_chartjs_from_our_own_static_files(browser, mike, acme):
    page = browser(mike, acme).get("/").content.decode()
    assert '<script src="/static/dashboard/vendor/chartjs/chart.umd.min.js" defer></script>' in page
