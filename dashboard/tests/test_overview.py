"""The overview: today's calls and answer rate, bookings, and the month's minutes against the plan."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from calls.models import Call
from calls.tests.factories import CallFactory

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


def test_the_chart_has_a_bar_per_day_of_the_last_two_weeks_scaled_to_the_busiest(browser, mike, acme):
    with tenant_context(acme):
        CallFactory.create_batch(2, started_at=timezone.now())
        old = CallFactory()
        Call.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    page = browser(mike, acme).get("/").content.decode()
    heights = re.findall(r'<rect class="bar total" x="\d+" y="\d+" width="16" height="(\d+)">', page)
    assert len(heights) == 14
    assert heights[-1] == "120" and heights[-4] == "60" and heights.count("0") == 12
