"""Agents: the list, a new agent from a library template, and the edit form with its errors beside the fields."""

import re

import pytest
from django_tenants.utils import tenant_context

from agents.models import Agent, CallTemplate
from agents.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


def field_errors(response, name) -> str:
    found = re.search(rf'<ul class="errors" id="id_{name}_errors">(.*?)</ul>', response.content.decode(), re.S)
    return found.group(1) if found else ""


@pytest.fixture
def receptionist(acme):
    with tenant_context(acme):
        return AgentFactory(name="Reception", transfer_number="")


def test_the_list_shows_the_tenants_agents(browser, mike, acme, receptionist):
    page = browser(mike, acme).get("/agents").content.decode()
    assert f'href="/agents/{receptionist.pk}">Reception</a>' in page


def test_the_list_paginates(browser, alice, acme):
    with tenant_context(acme):
        AgentFactory.create_batch(26)
    client = browser(alice, acme)
    first, second = client.get("/agents").content.decode(), client.get("/agents?page=2").content.decode()
    assert "Page 1 of 2" in first and first.count('<th scope="row">') == 25
    assert second.count('<th scope="row">') == 1


def test_a_page_number_out_of_range_shows_the_last_page(browser, alice, acme, receptionist):
    response = browser(alice, acme).get("/agents?page=99")
    assert response.status_code == 200 and "Reception" in response.content.decode()


def test_an_admin_creates_an_agent_from_a_library_template(browser, amy, acme):
    response = browser(amy, acme).post("/agents/new", {"name": "Mia", "library_key": "medical-receptionist"})
    with tenant_context(acme):
        agent = Agent.objects.get(name="Mia")
        assert agent.template.library_key == "medical-receptionist"
    assert response["Location"] == f"/agents/{agent.pk}"


def test_an_agent_without_a_name_is_refused_and_installs_no_template(browser, amy, acme):
    response = browser(amy, acme).post("/agents/new", {"name": "", "library_key": "medical-receptionist"})
    assert response.status_code == 400
    assert "This field may not be blank." in field_errors(response, "name")
    with tenant_context(acme):
        assert not CallTemplate.objects.exists()


def test_an_unknown_library_template_is_refused_beside_the_choices(browser, amy, acme):
    response = browser(amy, acme).post("/agents/new", {"name": "Mia", "library_key": "nope"})
    assert response.status_code == 400
    assert "Choose one of the templates." in field_errors(response, "library_key")


def edit_form(agent, **changes):
    form = {
        "name": agent.name,
        "greeting": agent.greeting,
        "language": "en-US",
        "tts_provider": "espeak",
        "voice_id": "en-us",
        "temperature": "0.3",
        "max_tokens": "300",
        "is_active": "on",
    }
    return {**form, **changes}


def test_an_admin_edits_an_agent(browser, amy, acme, receptionist):
    form = edit_form(
        receptionist,
        greeting="Hi there!",
        transfer_number="+1 415 555 0123",
        tools_enabled=["transfer", "end_call"],
        business_hours='{"timezone": "Europe/Paris", "weekly": {"mon": [["09:00", "17:00"]]}}',
    )
    response = browser(amy, acme).post(f"/agents/{receptionist.pk}", form, follow=True)
    assert "Reception is saved." in response.content.decode()
    with tenant_context(acme):
        receptionist.refresh_from_db()
    assert (receptionist.greeting, receptionist.transfer_number) == ("Hi there!", "+14155550123")
    assert receptionist.tools_enabled == ["transfer", "end_call"]
    assert receptionist.business_hours["weekly"]["mon"] == [["09:00", "17:00"]]


def test_a_bad_transfer_number_is_shown_beside_its_field_and_nothing_is_saved(browser, amy, acme, receptionist):
    response = browser(amy, acme).post(f"/agents/{receptionist.pk}", edit_form(receptionist, transfer_number="12"))
    assert response.status_code == 400
    assert "Enter a valid phone number" in field_errors(response, "transfer_number")
    assert 'value="12"' in response.content.decode()  # what was typed stays
    with tenant_context(acme):
        receptionist.refresh_from_db()
    assert receptionist.transfer_number == ""


def test_business_hours_that_are_not_json_are_named(browser, amy, acme, receptionist):
    response = browser(amy, acme).post(f"/agents/{receptionist.pk}", edit_form(receptionist, business_hours="{mon"))
    assert response.status_code == 400
    assert "Not valid JSON" in field_errors(response, "business_hours")


def test_a_provider_without_credentials_is_named_by_the_service(browser, amy, acme, receptionist):
    response = browser(amy, acme).post(f"/agents/{receptionist.pk}", edit_form(receptionist, llm_provider="openai"))
    assert response.status_code == 400
    assert "Add this tenant&#x27;s credentials for &#x27;openai&#x27; first" in field_errors(response, "llm_provider")


def test_a_member_sees_the_agent_read_only_and_cannot_save_it(browser, mike, acme, receptionist):
    client = browser(mike, acme)
    assert "<fieldset disabled>" in client.get(f"/agents/{receptionist.pk}").content.decode()
    assert client.post(f"/agents/{receptionist.pk}", edit_form(receptionist, name="Hacked")).status_code == 403


def test_an_unknown_agent_is_the_404_page(browser, alice, acme):
    assert browser(alice, acme).get("/agents/999999").status_code == 404
