"""/api/templates: CRUD, immutable flow versions, validation, duplication; roles and isolation."""

import copy

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.models import CallTemplate, FlowVersion
from agents.tests.factories import AgentFactory
from calls.models import Call

pytestmark = pytest.mark.django_db

TEMPLATES = "/api/templates"
FLOW = {
    "schema_version": 1,
    "nodes": [
        {"id": "hello", "type": "message", "start": True, "text": "Hi, this is {company}.", "next": "ask"},
        {
            "id": "ask",
            "type": "question",
            "text": "Would you like to book a visit?",
            "variable": "wants",
            "expect": {"type": "yes_no"},
            "next": "route",
        },
        {
            "id": "route",
            "type": "condition",
            "subject": "answers.wants",
            "branches": [{"op": "yes", "next": "bye"}],
            "else": "bye",
        },
        {"id": "bye", "type": "action", "action": "end_call"},
    ],
}
BROKEN_FLOW = {"schema_version": 1, "nodes": [{"id": "a", "type": "message", "text": "x", "next": "nowhere"}]}


def create(client, **fields):
    return client.post(TEMPLATES, {"name": "Booking", "industry": "dental", "flow": FLOW, **fields}, format="json")


def changed_flow():
    flow = copy.deepcopy(FLOW)
    flow["nodes"][0]["text"] = "Hello from {company}!"
    return flow


@pytest.fixture
def template(api, alice, acme):
    return create(api(alice, acme)).json()


def test_admin_creates_a_template_at_version_1(api, amy, acme):
    response = create(api(amy, acme), description="Books visits", initial_message="Hi!")
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["industry"], body["version"], body["flow"]) == ("Booking", "dental", 1, FLOW)


def test_an_invalid_flow_is_rejected_with_every_problem_by_node(api, alice, acme):
    response = create(api(alice, acme), flow=BROKEN_FLOW)
    assert response.status_code == 400
    assert response.json()["error_code"] == "invalid_flow"
    messages = response.json()["errors"]["flow"]
    assert any("start" in m for m in messages)
    assert any(m.startswith("node 'a':") and "nowhere" in m for m in messages)


def test_a_template_needs_a_flow(api, alice, acme):
    response = api(alice, acme).post(TEMPLATES, {"name": "Empty"}, format="json")
    assert (response.status_code, list(response.json()["errors"])) == (400, ["flow"])


def test_editing_the_flow_adds_a_version_and_keeps_the_old_one(api, alice, acme, template):
    client = api(alice, acme)
    response = client.patch(f"{TEMPLATES}/{template['id']}", {"flow": changed_flow()}, format="json")
    assert (response.json()["version"], response.json()["flow"]) == (2, changed_flow())
    versions = client.get(f"{TEMPLATES}/{template['id']}/versions").json()["results"]
    assert [(v["number"], v["flow"]["nodes"][0]["text"]) for v in versions] == [
        (2, "Hello from {company}!"),
        (1, "Hi, this is {company}."),
    ]


def test_saving_the_same_flow_adds_no_version(api, alice, acme, template):
    response = api(alice, acme).patch(f"{TEMPLATES}/{template['id']}", {"flow": FLOW, "name": "Renamed"}, format="json")
    assert (response.json()["version"], response.json()["name"]) == (1, "Renamed")


def placed(flow, x):
    """The flow with its nodes placed on the builder's canvas, a row from `x`."""
    moved = copy.deepcopy(flow)
    for index, node in enumerate(moved["nodes"]):
        node.update(x=x + index * 200, y=40)
    return moved


def test_moving_nodes_adds_no_version_and_the_template_shows_where_they_are(api, alice, acme, template):
    response = api(alice, acme).patch(f"{TEMPLATES}/{template['id']}", {"flow": placed(FLOW, 40)}, format="json")
    assert (response.json()["version"], response.json()["flow"]) == (1, placed(FLOW, 40))
    moved = api(alice, acme).patch(f"{TEMPLATES}/{template['id']}", {"flow": placed(FLOW, 90)}, format="json")
    assert (moved.json()["version"], moved.json()["flow"]) == (1, placed(FLOW, 90))


def test_an_edit_with_positions_is_one_version_whose_flow_has_none(api, alice, acme, template):
    client = api(alice, acme)
    response = client.patch(f"{TEMPLATES}/{template['id']}", {"flow": placed(changed_flow(), 40)}, format="json")
    assert (response.json()["version"], response.json()["flow"]) == (2, placed(changed_flow(), 40))
    versions = client.get(f"{TEMPLATES}/{template['id']}/versions").json()["results"]
    assert versions[0]["flow"] == changed_flow()


def test_an_invalid_edit_changes_nothing(api, alice, acme, template):
    client = api(alice, acme)
    response = client.patch(f"{TEMPLATES}/{template['id']}", {"flow": BROKEN_FLOW, "name": "Renamed"}, format="json")
    assert response.status_code == 400
    body = client.get(f"{TEMPLATES}/{template['id']}").json()
    assert (body["name"], body["version"]) == ("Booking", 1)


def test_a_call_keeps_the_flow_version_it_started_with(api, alice, acme, template):
    with tenant_context(acme):
        call = Call.objects.create(
            direction="sandbox", flow_version=FlowVersion.objects.get(template_id=template["id"])
        )
    api(alice, acme).patch(f"{TEMPLATES}/{template['id']}", {"flow": changed_flow()}, format="json")
    with tenant_context(acme):
        call.refresh_from_db()
        assert (call.flow_version.number, call.flow_version.flow) == (1, FLOW)


def test_flow_versions_cannot_be_modified(acme, template):
    with tenant_context(acme):
        version = FlowVersion.objects.get(template_id=template["id"])
        version.flow = BROKEN_FLOW
        with pytest.raises(ValueError, match="immutable"):
            version.save()


def test_validate_reports_a_valid_saved_flow(api, mike, acme, template):
    response = api(mike, acme).post(f"{TEMPLATES}/{template['id']}/validate", {}, format="json")
    assert response.json() == {"valid": True, "errors": []}


def test_validate_checks_a_draft_flow_without_saving_it(api, alice, acme, template):
    client = api(alice, acme)
    response = client.post(f"{TEMPLATES}/{template['id']}/validate", {"flow": BROKEN_FLOW}, format="json")
    assert response.json()["valid"] is False
    assert {"node_id": "a", "code": "dangling_edge"}.items() <= next(
        e for e in response.json()["errors"] if e["node_id"] == "a"
    ).items()
    assert client.get(f"{TEMPLATES}/{template['id']}").json()["version"] == 1


def test_duplicate_copies_the_current_flow_as_a_new_template(api, alice, acme, template):
    client = api(alice, acme)
    client.patch(f"{TEMPLATES}/{template['id']}", {"flow": changed_flow()}, format="json")
    response = client.post(f"{TEMPLATES}/{template['id']}/duplicate")
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["industry"], body["version"], body["flow"]) == (
        "Booking (copy)",
        "dental",
        1,
        changed_flow(),
    )
    assert body["id"] != template["id"]


def test_delete_removes_an_unused_template(api, alice, acme, template):
    client = api(alice, acme)
    assert client.delete(f"{TEMPLATES}/{template['id']}").status_code == 204
    assert client.get(f"{TEMPLATES}/{template['id']}").status_code == 404


def test_a_template_used_by_an_agent_cannot_be_deleted(api, alice, acme, template):
    with tenant_context(acme):
        AgentFactory(template_id=template["id"])
    response = api(alice, acme).delete(f"{TEMPLATES}/{template['id']}")
    assert (response.status_code, response.json()["error_code"]) == (409, "template_in_use")


def test_a_template_with_calls_cannot_be_deleted(api, alice, acme, template):
    with tenant_context(acme):
        Call.objects.create(
            direction="sandbox",
            started_at=timezone.now(),
            flow_version=FlowVersion.objects.get(template_id=template["id"]),
        )
    response = api(alice, acme).delete(f"{TEMPLATES}/{template['id']}")
    assert (response.status_code, response.json()["error_code"]) == (409, "template_has_calls")


def test_an_agent_can_use_a_template(api, alice, acme, template):
    response = api(alice, acme).post("/api/agents", {"name": "R", "template": template["id"]}, format="json")
    assert response.json()["template"] == template["id"]


def test_members_read_but_cannot_change_templates(api, mike, acme, template):
    client = api(mike, acme)
    assert client.get(TEMPLATES).json()["count"] == 1
    assert create(client).status_code == 403
    assert client.patch(f"{TEMPLATES}/{template['id']}", {"name": "X"}, format="json").status_code == 403
    assert client.post(f"{TEMPLATES}/{template['id']}/duplicate").status_code == 403
    assert client.delete(f"{TEMPLATES}/{template['id']}").status_code == 403


def test_bob_cannot_list_alices_templates(api, bob, acme, globex, template):
    assert api(bob, acme).get(TEMPLATES).status_code == 403
    assert api(bob, globex).get(TEMPLATES).json()["count"] == 0


def test_bob_cannot_read_change_duplicate_or_delete_alices_template(api, bob, globex, acme, template):
    client, url = api(bob, globex), f"{TEMPLATES}/{template['id']}"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"name": "Hacked"}, format="json").status_code == 404
    assert client.post(f"{url}/duplicate").status_code == 404
    assert client.post(f"{url}/validate", {}, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    with tenant_context(acme):
        assert CallTemplate.objects.get(pk=template["id"]).name == "Booking"
