"""The calendar's week view: a tenant's appointments by day in its time zone."""

import re
from datetime import datetime

import pytest
from django_tenants.utils import tenant_context

from scheduling.services.appointments import book
from scheduling.services.calendars import create_calendar

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(acme):
    with tenant_context(acme):
        calendar = create_calendar(name="Front desk")
        return book(calendar, start=datetime.fromisoformat("2027-03-03T14:30:00+00:00"), title="Check-up: Jane Doe")


def days_with(page, title):
    return [day for day, body in re.findall(r'<h2 id="day-\d">(.*?)</h2>(.*?)</section>', page, re.S) if title in body]


def test_the_week_shows_each_appointment_on_its_day_and_time(browser, mike, acme, booked):
    page = browser(mike, acme).get("/calendar?week=2027-03-04").content.decode()
    assert "Week of 1 March 2027" in page
    assert days_with(page, "Check-up: Jane Doe") == ["Wednesday 3 Mar"]
    assert "14:30–15:00" in page


def test_the_days_are_the_tenants_own(browser, mike, acme, booked):
    acme.timezone = "Pacific/Auckland"  # 14:30 UTC on the 3rd is 03:30 on the 4th there
    acme.save(update_fields=["timezone"])
    page = browser(mike, acme).get("/calendar?week=2027-03-04").content.decode()
    assert days_with(page, "Check-up: Jane Doe") == ["Thursday 4 Mar"] and "03:30–04:00" in page


def test_another_week_shows_nothing_of_it(browser, mike, acme, booked):
    page = browser(mike, acme).get("/calendar?week=2027-03-10").content.decode()
    assert "Check-up: Jane Doe" not in page and 'href="?week=2027-03-01"' in page


def test_a_bad_week_is_a_400_page(browser, mike, acme):
    assert browser(mike, acme).get("/calendar?week=next").status_code == 400


def test_another_tenant_sees_nothing_of_it(browser, bob, globex, booked):
    assert "Check-up: Jane Doe" not in browser(bob, globex).get("/calendar?week=2027-03-04").content.decode()
