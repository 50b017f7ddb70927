"""check_dial and next_allowed_dial_time: DNC first, then calling hours in the recipient's time zone (every zone
a number may be in when the contact's zone is not known)."""

from datetime import UTC, datetime, time

import pytest
from django_tenants.utils import tenant_context

from compliance.hours import recipient_zones
from compliance.services import OnDncList, OutsideCallingHours, check_dial, next_allowed_dial_time
from compliance.tests.factories import ComplianceSettingsFactory, DncEntryFactory
from config.api.errors import headers_of, status_of
from config.errors import DomainError

pytestmark = pytest.mark.django_db

LOS_ANGELES = "+14155550123"
NEW_YORK = "+12125550123"
IDAHO = "+12085550123"  # Boise (Mountain) or the panhandle (Pacific)
TOLL_FREE = "+18005550123"  # anywhere from Guam to Alaska
RUSSIAN_MOBILE = "+79161234567"


def utc(*args):
    return datetime(*args, tzinfo=UTC)


# Tuesday 24 November 2026: Pacific is UTC-8, Eastern UTC-5.
TUESDAY_0700_PACIFIC = utc(2026, 11, 24, 15, 0)
TUESDAY_0800_PACIFIC = utc(2026, 11, 24, 16, 0)


@pytest.fixture
def in_acme(acme):
    with tenant_context(acme):
        yield acme


def test_inside_the_default_window_the_dial_is_allowed(in_acme):
    check_dial(NEW_YORK, at=TUESDAY_0700_PACIFIC)  # 10:00 in New York


def test_before_eight_local_the_dial_is_refused_until_eight(in_acme):
    with pytest.raises(OutsideCallingHours) as error:
        check_dial(LOS_ANGELES, at=TUESDAY_0700_PACIFIC)
    assert (status_of(error.value), error.value.error_code) == (403, "outside_calling_hours")
    assert error.value.retry_at == TUESDAY_0800_PACIFIC
    assert (set(error.value.errors), error.value.errors["retry_at"]) == (
        {"to", "retry_at"},
        ["2026-11-24T16:00:00+00:00"],
    )
    assert headers_of(error.value) == {"Retry-After": "3600"}


def test_nine_pm_local_is_already_outside_the_window(in_acme):
    nine_pm_pacific = utc(2026, 11, 25, 5, 0)
    with pytest.raises(OutsideCallingHours) as error:
        check_dial(LOS_ANGELES, at=nine_pm_pacific)
    assert error.value.retry_at == utc(2026, 11, 25, 16, 0)
    check_dial(LOS_ANGELES, at=utc(2026, 11, 25, 4, 59))


def test_the_contacts_time_zone_wins_over_the_numbers(in_acme):
    check_dial(LOS_ANGELES, at=TUESDAY_0700_PACIFIC, timezone_hint="America/New_York")
    with pytest.raises(OutsideCallingHours):
        check_dial(NEW_YORK, at=TUESDAY_0700_PACIFIC, timezone_hint="America/Los_Angeles")


def test_an_unknown_time_zone_hint_falls_back_to_the_number():
    assert recipient_zones(LOS_ANGELES, timezone_hint="Mars/Olympus") == ("America/Los_Angeles",)


def test_a_number_spanning_zones_must_be_inside_the_window_in_all_of_them(in_acme):
    boise_0830 = utc(2026, 11, 24, 15, 30)  # but 07:30 in the Pacific part
    assert next_allowed_dial_time(IDAHO, at=boise_0830) == TUESDAY_0800_PACIFIC
    pacific_2030 = utc(2026, 11, 25, 4, 30)  # but 21:30 in Boise
    assert next_allowed_dial_time(IDAHO, at=pacific_2030) == TUESDAY_0800_PACIFIC.replace(day=25)
    assert next_allowed_dial_time(IDAHO, at=TUESDAY_0800_PACIFIC) == TUESDAY_0800_PACIFIC


def test_a_toll_free_number_waits_for_daytime_from_guam_to_newfoundland(in_acme):
    # 08:00–21:00 in Guam (UTC+10) is 22:00–11:00 UTC; in St John's (UTC-3:30) 11:30–00:30 UTC.
    assert next_allowed_dial_time(TOLL_FREE, at=TUESDAY_0800_PACIFIC) == utc(2026, 11, 24, 22, 0)


def test_zones_that_share_no_window_refuse_until_the_contact_has_a_time_zone(in_acme):
    ComplianceSettingsFactory(calling_window_start=time(9, 0), calling_window_end=time(17, 0))
    with pytest.raises(DomainError) as error:
        check_dial(RUSSIAN_MOBILE, at=TUESDAY_0800_PACIFIC)  # Bucharest (UTC+2) to Anadyr (UTC+12)
    assert (status_of(error.value), error.value.error_code) == (403, "no_calling_window")
    assert "timezone" in error.value.errors
    check_dial(RUSSIAN_MOBILE, at=utc(2026, 11, 24, 10, 0), timezone_hint="Europe/Moscow")  # 13:00 there


def test_the_window_follows_daylight_saving_time(in_acme):
    # Sunday 8 March 2026: New York moved to UTC-4 at 02:00, so 12:30 UTC is 08:30 there.
    check_dial(NEW_YORK, at=utc(2026, 3, 8, 12, 30))
    assert next_allowed_dial_time(NEW_YORK, at=utc(2026, 3, 8, 11, 30)) == utc(2026, 3, 8, 12, 0)


def test_the_tenants_window_and_days_apply(in_acme):
    ComplianceSettingsFactory(
        calling_window_start=time(9, 0),
        calling_window_end=time(17, 0),
        calling_days=["mon", "tue", "wed", "thu", "fri"],
    )
    saturday_noon_new_york = utc(2026, 11, 28, 17, 0)
    monday_0900_new_york = utc(2026, 11, 30, 14, 0)
    assert next_allowed_dial_time(NEW_YORK, at=saturday_noon_new_york) == monday_0900_new_york
    with pytest.raises(OutsideCallingHours):
        check_dial(NEW_YORK, at=utc(2026, 11, 24, 22, 0))  # Tuesday 17:00


def test_a_window_ending_at_midnight_allows_calls_all_day(in_acme):
    ComplianceSettingsFactory(calling_window_start=time(0, 0), calling_window_end=time(0, 0))
    check_dial(LOS_ANGELES, at=utc(2026, 11, 24, 11, 0))  # 03:00 in Los Angeles


def test_a_number_on_the_dnc_list_is_refused_whatever_the_hour(in_acme):
    DncEntryFactory(number=NEW_YORK)
    with pytest.raises(OnDncList) as error:
        check_dial("+1 (212) 555-0123", at=TUESDAY_0700_PACIFIC)
    assert (status_of(error.value), error.value.error_code) == (403, "on_dnc_list")
    assert "to" in error.value.errors


def test_an_invalid_number_is_refused_naming_it(in_acme):
    with pytest.raises(DomainError) as error:
        check_dial("555")
    assert (status_of(error.value), error.value.error_code) == (400, "invalid_number")
    assert list(error.value.errors) == ["to"]


def test_the_next_allowed_dial_time_of_an_invalid_number_is_refused_naming_it(in_acme):
    with pytest.raises(DomainError) as error:
        next_allowed_dial_time("555", at=TUESDAY_0700_PACIFIC)
    assert (error.value.error_code, list(error.value.errors)) == ("invalid_number", ["to"])


def test_another_tenants_window_does_not_apply(acme, globex):
    with tenant_context(globex):
        ComplianceSettingsFactory(calling_window_start=time(0, 0), calling_window_end=time(0, 0))
    with tenant_context(acme), pytest.raises(OutsideCallingHours):
        check_dial(LOS_ANGELES, at=TUESDAY_0700_PACIFIC)
    check_dial(LOS_ANGELES, at=TUESDAY_0700_PACIFIC, tenant=globex)
