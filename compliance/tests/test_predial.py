"""POST /api/calls goes through the compliance check: a number on a DNC list, or outside the recipient's
calling hours, is refused before anything is dialed."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.tests.factories import AgentFactory
from calls.models import Call
from calls.tests.factories import (
    API_PREFIX,
    PhoneNumberFactory,
    TwilioAccountFactory,
    call_resource,
    call_sid,
    twilio_api,
)
from compliance.models import ComplianceSettings, DncEntry
from compliance.tests.factories import DncEntryFactory, allow_calling_all_day
from config.errors import DomainError
from config.weekly_hours import WEEKDAYS
from tenants.models import Tenant
from tenants.services import create_tenant

pytestmark = pytest.mark.django_db
__all__ = ["twilio_api"]

CALLER_ID = "+14155550100"
CONTACT = "+14155550123"  # Los Angeles


def setup_dialing(tenant):
    with tenant_context(tenant):
        TwilioAccountFactory()
        agent = AgentFactory()
        PhoneNumberFactory(number=CALLER_ID, agent=agent)
        return agent


@pytest.fixture
def agent(acme):
    allow_calling_all_day(acme)
    return setup_dialing(acme)


def dial(client, agent, to=CONTACT):
    return client.post("/api/calls", {"agent": agent.pk, "to": to}, format="json")


def nothing_dialed(tenant, twilio_api):
    with tenant_context(tenant):
        return twilio_api.requests == [] and not Call.objects.exists()


def test_a_number_on_the_dnc_list_is_refused_and_nothing_is_dialed(api, alice, acme, agent, twilio_api):
    with tenant_context(acme):
        DncEntryFactory(number=CONTACT, source=DncEntry.Source.OPT_OUT_SPOKEN)
    response = dial(api(alice, acme), agent, to="+1 (415) 555-0123")
    assert (response.status_code, response.json()["error_code"]) == (403, "on_dnc_list")
    assert "to" in response.json()["errors"]
    assert nothing_dialed(acme, twilio_api)


def test_a_number_on_the_agency_list_is_refused_for_its_client(api, alice, twilio_api):
    agency = create_tenant(name="Voice Agency", slug="voice-agency", kind=Tenant.Kind.AGENCY, owner=alice)
    client = create_tenant(
        name="Smile Dental", slug="smile-dental", kind=Tenant.Kind.CLIENT, parent=agency, owner=alice
    )
    allow_calling_all_day(client)
    agent = setup_dialing(client)
    with tenant_context(agency):
        DncEntryFactory(number=CONTACT)
    response = dial(api(alice, client), agent)
    assert (response.status_code, response.json()["error_code"]) == (403, "on_dnc_list")
    assert nothing_dialed(client, twilio_api)


def test_outside_the_recipients_calling_days_the_dial_is_refused_with_when_to_retry(
    api, alice, acme, agent, twilio_api
):
    today_in_los_angeles = WEEKDAYS[timezone.now().astimezone(ZoneInfo("America/Los_Angeles")).weekday()]
    with tenant_context(acme):
        ComplianceSettings.objects.update(
            calling_window_start=time(8, 0),
            calling_window_end=time(21, 0),
            calling_days=[day for day in WEEKDAYS if day != today_in_los_angeles],
        )
    response = dial(api(alice, acme), agent)
    assert (response.status_code, response.json()["error_code"]) == (403, "outside_calling_hours")
    retry_at = datetime.fromisoformat(response.json()["errors"]["retry_at"][0])
    assert timezone.now() < retry_at < timezone.now() + timedelta(days=2)  # tomorrow, local
    assert retry_at.astimezone(ZoneInfo("America/Los_Angeles")).strftime("%H:%M") == "08:00"
    assert 0 < int(response["Retry-After"]) <= 2 * 24 * 3600
    assert nothing_dialed(acme, twilio_api)


def test_a_free_number_inside_calling_hours_is_dialed(api, alice, acme, agent, twilio_api):
    twilio_api.add(
        "POST", f"{API_PREFIX}/Calls.json", status=201, json=call_resource(call_sid(), to=CONTACT, from_=CALLER_ID)
    )
    with tenant_context(acme):
        DncEntryFactory(number="+14155550124")
    assert dial(api(alice, acme), agent).status_code == 201


def test_place_call_uses_the_contacts_time_zone_so_the_dialer_and_the_check_agree(acme, agent, twilio_api):
    from calls.services import place_call
    from contacts.tests.factories import ContactFactory

    # A one-hour window around the current hour in Tokyo never holds at the same moment in Los Angeles.
    hour = timezone.now().astimezone(ZoneInfo("Asia/Tokyo")).hour
    twilio_api.add(
        "POST", f"{API_PREFIX}/Calls.json", status=201, json=call_resource(call_sid(), to=CONTACT, from_=CALLER_ID)
    )
    with tenant_context(acme):
        ComplianceSettings.objects.update(
            calling_window_start=time(hour, 0), calling_window_end=time((hour + 1) % 24, 0)
        )
        with pytest.raises(DomainError) as refused:
            place_call(acme, agent=agent, to_number=CONTACT, contact=ContactFactory(phone=CONTACT))
        assert refused.value.error_code == "outside_calling_hours"
        contact = ContactFactory(phone="+14155550124", timezone="Asia/Tokyo")
        call, created = place_call(acme, agent=agent, to_number=contact.phone, contact=contact)
    assert created and call.to_number == contact.phone
