"""A request with an access token records when its user was last active (shown to the team), at most once a minute."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import User

pytestmark = pytest.mark.django_db


def last_active_of(user):
    return User.objects.get(pk=user.pk).last_active


def active_at(user, when):
    User.objects.filter(pk=user.pk).update(last_active=when)


def test_a_request_with_an_access_token_records_when_its_user_was_active(api, alice, acme):
    active_at(alice, None)
    before = timezone.now()
    assert api(alice, acme).get("/api/tenant").status_code == 200
    assert last_active_of(alice) >= before


def test_a_request_within_a_minute_of_the_last_recorded_activity_records_nothing_new(api, alice, acme):
    recently = timezone.now() - timedelta(seconds=30)
    active_at(alice, recently)
    assert api(alice, acme).get("/api/tenant").status_code == 200
    assert last_active_of(alice) == recently


def test_a_request_more_than_a_minute_after_the_last_recorded_activity_records_it_anew(api, alice, acme):
    long_ago = timezone.now() - timedelta(minutes=5)
    active_at(alice, long_ago)
    before = timezone.now()
    assert api(alice, acme).get("/api/tenant").status_code == 200
    assert last_active_of(alice) >= before


def test_the_profile_fetched_by_the_first_request_shows_its_user_active_now(api, alice, acme):
    active_at(alice, None)
    before = timezone.now()
    shown = api(alice, acme).get("/api/auth/me").json()["user"]["last_active"]
    assert shown is not None and parse_datetime(shown) >= before
