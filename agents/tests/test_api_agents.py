"""/api/agents: CRUD with validation, roles and tenant isolation."""

import pytest
from django_tenants.utils import tenant_context

from agents.models import Agent
from agents.tests.factories import AgentFactory
from billing.tests.factories import put_on_plan

pytestmark = pytest.mark.django_db

AGENTS = "/api/agents"


def create(client, **fields):
    return client.post(AGENTS, {"name": "Reception", "greeting": "Hello!", **fields}, format="json")


@pytest.fixture
def alices_agent(acme):
    with tenant_context(acme):
        return AgentFactory(name="Alice's receptionist")


def test_admin_creates_an_agent_with_offline_defaults(api, amy, acme):
    response = create(api(amy, acme), voice_id="slt", language="en-GB", temperature=0.5)
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["tts_provider"], body["voice_id"], body["language"], body["temperature"]) == (
        "Reception",
        "festival",
        "slt",
        "en-GB",
        0.5,
    )
    assert (body["embeddings_provider"], body["is_active"], body["template"]) == ("", True, None)


def test_agent_settings_are_stored(api, alice, acme):
    response = create(
        api(alice, acme),
        system_prompt="Be kind.",
        max_tokens=200,
        tools_enabled=["transfer", "end_call"],
        transfer_number="+1 415 555 0123",
        voicemail_message="Leave a message.",
        business_hours={"timezone": "America/New_York", "weekly": {"mon": [["09:00", "17:00"]]}},
    )
    with tenant_context(acme):
        agent = Agent.objects.get(pk=response.json()["id"])
    assert (agent.system_prompt, agent.max_tokens, agent.tools_enabled, agent.transfer_number) == (
        "Be kind.",
        200,
        ["transfer", "end_call"],
        "+14155550123",
    )
    assert agent.business_hours["weekly"] == {"mon": [["09:00", "17:00"]]}


def test_unknown_tts_provider_is_rejected_naming_the_field(api, alice, acme):
    response = create(api(alice, acme), tts_provider="acme-voice")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["tts_provider"]
    assert "acme-voice" in response.json()["errors"]["tts_provider"][0]


def test_unknown_llm_provider_is_rejected_naming_the_field(api, alice, acme):
    response = create(api(alice, acme), llm_provider="skynet")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["llm_provider"]


def test_unknown_embeddings_provider_is_rejected_naming_the_field(api, alice, acme):
    response = create(api(alice, acme), embeddings_provider="magic")
    assert list(response.json()["errors"]) == ["embeddings_provider"]


def test_unknown_voice_is_rejected_naming_the_field(api, alice, acme):
    response = create(api(alice, acme), voice_id="klingon+robot")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["voice_id"]


def test_unknown_tool_is_rejected(api, alice, acme):
    response = create(api(alice, acme), tools_enabled=["launch_rockets"])
    assert response.status_code == 400
    assert "launch_rockets" in response.json()["errors"]["tools_enabled"][0]


@pytest.mark.parametrize(
    "field, value",
    [
        ("name", ""),
        ("temperature", 3),
        ("max_tokens", 0),
        ("language", "english"),
        ("transfer_number", "12"),
        ("business_hours", {"timezone": "Mars/Olympus", "weekly": {}}),
        ("business_hours", {"timezone": "UTC", "weekly": {"mon": [["17:00", "09:00"]]}}),
        ("business_hours", {"timezone": "UTC", "weekly": {"someday": []}}),
        ("template", 999999),
    ],
)
def test_bad_values_are_rejected_naming_the_field(api, alice, acme, field, value):
    response = create(api(alice, acme), **{field: value})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_members_list_and_read_agents(api, mike, acme, alices_agent):
    client = api(mike, acme)
    assert [a["name"] for a in client.get(AGENTS).json()["results"]] == ["Alice's receptionist"]
    assert client.get(f"{AGENTS}/{alices_agent.id}").json()["name"] == "Alice's receptionist"


def test_members_cannot_create_change_or_delete_agents(api, mike, acme, alices_agent):
    client = api(mike, acme)
    assert create(client).status_code == 403
    assert client.patch(f"{AGENTS}/{alices_agent.id}", {"name": "X"}, format="json").status_code == 403
    assert client.delete(f"{AGENTS}/{alices_agent.id}").status_code == 403


def test_patch_changes_only_the_given_fields(api, alice, acme, alices_agent):
    response = api(alice, acme).patch(f"{AGENTS}/{alices_agent.id}", {"greeting": "Hi there"}, format="json")
    assert response.status_code == 200
    assert (response.json()["greeting"], response.json()["name"]) == ("Hi there", "Alice's receptionist")


def test_patch_with_a_bad_voice_keeps_the_agent_unchanged(api, alice, acme, alices_agent):
    response = api(alice, acme).patch(
        f"{AGENTS}/{alices_agent.id}", {"voice_id": "nope+nope", "name": "X"}, format="json"
    )
    assert response.status_code == 400
    with tenant_context(acme):
        assert Agent.objects.get(pk=alices_agent.pk).name == "Alice's receptionist"


def test_put_replaces_the_agent(api, alice, acme, alices_agent):
    response = api(alice, acme).put(f"{AGENTS}/{alices_agent.id}", {"name": "New", "greeting": ""}, format="json")
    assert (response.status_code, response.json()["name"], response.json()["greeting"]) == (200, "New", "")


def test_delete_removes_the_agent(api, alice, acme, alices_agent):
    client = api(alice, acme)
    assert client.delete(f"{AGENTS}/{alices_agent.id}").status_code == 204
    assert client.get(f"{AGENTS}/{alices_agent.id}").status_code == 404


def test_unknown_agent_is_404_in_the_error_format(api, alice, acme):
    response = api(alice, acme).get(f"{AGENTS}/999999")
    assert (response.status_code, response.json()["error_code"]) == (404, "not_found")


def test_plan_limit_on_the_number_of_agents(api, alice, acme, alices_agent):
    put_on_plan(acme, max_agents=1)
    response = create(api(alice, acme))
    assert (response.status_code, response.json()["error_code"]) == (402, "plan_limit")
    assert response.json()["limit"]["name"] == "max_agents"


def test_anonymous_cannot_list_agents(api, acme):
    assert api(tenant=acme).get(AGENTS).status_code == 401


def test_bob_cannot_list_alices_agents(api, bob, acme, globex, alices_agent):
    assert api(bob, acme).get(AGENTS).status_code == 403
    assert api(bob, globex).get(AGENTS).json()["results"] == []


def test_bob_cannot_read_update_or_delete_alices_agent(api, bob, acme, globex, alices_agent):
    for client, expected in ((api(bob, acme), 403), (api(bob, globex), 404)):
        url = f"{AGENTS}/{alices_agent.id}"
        assert client.get(url).status_code == expected
        assert client.patch(url, {"name": "Hacked"}, format="json").status_code == expected
        assert client.delete(url).status_code == expected
    with tenant_context(acme):
        assert Agent.objects.get(pk=alices_agent.pk).name == "Alice's receptionist"


def test_provider_catalog_lists_offline_defaults(api, mike, acme):
    catalog = api(mike, acme).get("/api/providers").json()
    assert {
        "name": "festival",
        "offline": True,
        "default": True,
        "required_credentials": [],
        "configured": False,
    } in catalog["tts"]
