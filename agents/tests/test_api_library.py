"""The template library: listing, installing into a tenant, and the demo agent seeded from it."""

import pytest
from django_tenants.utils import tenant_context

from agents import services
from agents.models import Agent, CallTemplate

pytestmark = pytest.mark.django_db

LIBRARY = "/api/templates/library"


def test_library_lists_the_seeded_templates_with_valid_flows(api, mike, acme):
    entries = api(mike, acme).get(LIBRARY).json()
    assert entries[0]["key"] == "medical-receptionist"
    assert {"real-estate-lead-qualification", "restaurant-reservations"} <= {e["key"] for e in entries}
    assert all(e["flow"]["nodes"] for e in entries)


def test_installing_a_library_template_copies_it_into_the_tenant(api, alice, acme):
    response = api(alice, acme).post(f"{LIBRARY}/medical-receptionist/install")
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["library_key"], body["version"]) == ("Medical receptionist", "medical-receptionist", 1)
    assert api(alice, acme).post(f"/api/templates/{body['id']}/validate", {}, format="json").json()["valid"] is True


def test_installing_again_returns_the_installed_copy(api, alice, acme):
    first = api(alice, acme).post(f"{LIBRARY}/restaurant-reservations/install").json()
    again = api(alice, acme).post(f"{LIBRARY}/restaurant-reservations/install")
    assert (again.status_code, again.json()["id"]) == (200, first["id"])


def test_installing_an_unknown_template_is_404(api, alice, acme):
    assert api(alice, acme).post(f"{LIBRARY}/time-machine/install").status_code == 404


def test_members_cannot_install(api, mike, acme):
    assert api(mike, acme).post(f"{LIBRARY}/medical-receptionist/install").status_code == 403


def test_installing_in_one_tenant_does_not_touch_another(api, alice, bob, acme, globex):
    api(alice, acme).post(f"{LIBRARY}/medical-receptionist/install")
    assert api(bob, globex).get("/api/templates").json()["count"] == 0


def test_seed_demo_agent_puts_an_agent_on_the_receptionist_template(acme):
    with tenant_context(acme):
        agent = services.seed_demo_agent(acme)
        assert agent.template.library_key == "medical-receptionist"
        assert (agent.tts_provider, agent.voice_id, agent.is_active) == ("festival", "slt", True)


def test_seed_demo_agent_is_idempotent(acme):
    with tenant_context(acme):
        first = services.seed_demo_agent(acme)
        assert services.seed_demo_agent(acme) == first
        assert (Agent.objects.count(), CallTemplate.objects.count()) == (1, 1)
