"""Call templates and the flow builder's server side: the page hands the canvas its flow, a save validates the whole
flow with the agents app's rules and names the nodes at fault, every change is a version, and old versions come
back by restoring them. (Drawing and dragging on the canvas: test_browser.py.)"""

import json
import re

import pytest
from django_tenants.utils import tenant_context

from agents.models import FlowVersion
from agents.services import templates as template_services
from dashboard.tests.factories import GREETING

pytestmark = pytest.mark.django_db

TEMPLATES = "/templates"


@pytest.fixture
def greeting(acme):
    with tenant_context(acme):
        return template_services.create_template(name="Greeting", flow=GREETING)


def builder_data(response) -> dict:
    found = re.search(
        r'<script id="flow-builder-data" type="application/json">(.*?)</script>', response.content.decode()
    )
    return json.loads(found.group(1))


def with_text(flow, node_id, text):
    changed = json.loads(json.dumps(flow))
    next(node for node in changed["nodes"] if node["id"] == node_id)["text"] = text
    return changed


def versions(tenant, template):
    with tenant_context(tenant):
        return list(FlowVersion.objects.filter(template=template).order_by("number").values_list("number", "flow"))


def test_the_list_links_each_template_to_its_builder(browser, mike, acme, greeting):
    page = browser(mike, acme).get("/templates").content.decode()
    assert f'href="/templates/{greeting.pk}">Greeting</a>' in page


def test_the_builder_hands_the_canvas_the_current_flow_and_the_panels_choices(browser, mike, acme, greeting):
    data = builder_data(browser(mike, acme).get(f"/templates/{greeting.pk}"))
    assert data["flow"] == GREETING and data["errors"] == []
    assert "end_call" in data["actions"] and "intent" in data["condition_ops"] and "company" in data["variables"]


def test_the_builder_page_loads_drawflow_and_its_script_from_our_own_static_files(browser, mike, acme, greeting):
    page = browser(mike, acme).get(f"/templates/{greeting.pk}").content.decode()
    assert '<script src="/static/dashboard/vendor/drawflow/drawflow.min.js" defer></script>' in page
    assert '<script src="/static/dashboard/flow_builder.js" defer></script>' in page
    assert "<script>" not in page  # nothing inline under the CSP: the data travels as application/json


def test_a_member_sees_the_flow_but_no_save_or_restore(browser, mike, acme, greeting):
    with tenant_context(acme):
        template_services.update_template(greeting, flow=with_text(GREETING, "hello", "Hi."))
    page = browser(mike, acme).get(f"/templates/{greeting.pk}").content.decode()
    assert 'data-can-manage="false"' in page and "Save flow" not in page and "Restore version" not in page


def test_a_member_cannot_save_a_flow(browser, mike, acme, greeting):
    response = browser(mike, acme).post(f"/templates/{greeting.pk}", {"flow": json.dumps(GREETING)})
    assert response.status_code == 403
    assert len(versions(acme, greeting)) == 1


def test_saving_an_edited_flow_makes_a_new_version(browser, amy, acme, greeting):
    edited = with_text(GREETING, "hello", "Welcome to {company}.")
    response = browser(amy, acme).post(f"/templates/{greeting.pk}", {"flow": json.dumps(edited)}, follow=True)
    assert "Greeting is saved as version 2." in response.content.decode()
    assert versions(acme, greeting) == [(1, GREETING), (2, edited)]


def placed(flow):
    """The flow as the canvas posts it: every node with its position."""
    return {**flow, "nodes": [{**node, "x": 40 + index * 280, "y": 40} for index, node in enumerate(flow["nodes"])]}


def test_the_first_save_from_the_canvas_adds_positions_but_no_version(browser, amy, acme, greeting):
    client = browser(amy, acme)
    response = client.post(f"{TEMPLATES}/{greeting.pk}", {"flow": json.dumps(placed(GREETING))}, follow=True)
    assert "The nodes’ places are saved; the flow is unchanged (version 1)." in response.content.decode()
    assert versions(acme, greeting) == [(1, GREETING)]
    assert builder_data(client.get(f"{TEMPLATES}/{greeting.pk}"))["flow"] == placed(GREETING)


def test_an_edit_saved_from_the_canvas_is_one_version_and_the_nodes_stay_where_they_were_put(
    browser, amy, acme, greeting
):
    client = browser(amy, acme)
    edited = with_text(GREETING, "hello", "Welcome to {company}.")
    client.post(f"{TEMPLATES}/{greeting.pk}", {"flow": json.dumps(placed(edited))})
    assert versions(acme, greeting) == [(1, GREETING), (2, edited)]
    assert builder_data(client.get(f"{TEMPLATES}/{greeting.pk}"))["flow"] == placed(edited)


def test_a_flow_with_problems_is_not_saved_and_each_problem_names_its_node(browser, amy, acme, greeting):
    broken = with_text(GREETING, "bye", "Goodbye {caller.nickname}!")
    response = browser(amy, acme).post(f"/templates/{greeting.pk}", {"flow": json.dumps(broken)})
    assert response.status_code == 400
    data = builder_data(response)
    assert data["flow"] == broken  # the draft stays on the canvas, to be corrected
    assert [error["node_id"] for error in data["errors"]] == ["bye"]
    assert "caller.nickname" in data["errors"][0]["message"]
    page = response.content.decode()
    assert "The flow was not saved: 1 problem, marked on the nodes." in page
    assert '<button type="button" class="link" data-select-node="bye">bye</button>' in page
    assert len(versions(acme, greeting)) == 1


def test_a_flow_that_is_not_json_is_refused_with_the_saved_flow_kept(browser, amy, acme, greeting):
    response = browser(amy, acme).post(f"/templates/{greeting.pk}", {"flow": "{nodes: "})
    assert response.status_code == 400
    assert "The flow could not be read." in response.content.decode()
    assert builder_data(response)["flow"] == GREETING


def test_saving_the_same_flow_again_adds_no_version(browser, amy, acme, greeting):
    browser(amy, acme).post(f"/templates/{greeting.pk}", {"flow": json.dumps(GREETING)})
    assert len(versions(acme, greeting)) == 1


def test_the_versions_are_listed_newest_first_with_restore_on_the_older_ones(browser, amy, acme, greeting):
    with tenant_context(acme):
        template_services.update_template(greeting, flow=with_text(GREETING, "hello", "Hi."))
    page = browser(amy, acme).get(f"/templates/{greeting.pk}").content.decode()
    assert page.index("Version 2 (current)") < page.index("Version 1<")
    assert "Restore version 1" in page and "Restore version 2" not in page


def test_restoring_a_version_saves_its_flow_as_the_newest(browser, amy, acme, greeting):
    edited = with_text(GREETING, "hello", "Hi.")
    with tenant_context(acme):
        template_services.update_template(greeting, flow=edited)
    response = browser(amy, acme).post(f"/templates/{greeting.pk}/versions/1/restore", follow=True)
    assert "Version 1 is restored as version 3." in response.content.decode()
    assert versions(acme, greeting) == [(1, GREETING), (2, edited), (3, GREETING)]


def test_restoring_a_version_that_does_not_exist_is_the_404_page(browser, amy, acme, greeting):
    response = browser(amy, acme).post(f"/templates/{greeting.pk}/versions/9/restore")
    assert response.status_code == 404 and "Greeting has no version 9." in response.content.decode()


def test_a_member_cannot_restore_a_version(browser, mike, acme, greeting):
    assert browser(mike, acme).post(f"/templates/{greeting.pk}/versions/1/restore").status_code == 403


def test_another_tenants_template_is_not_found(browser, bob, globex, greeting):
    response = browser(bob, globex).get(f"/templates/{greeting.pk}")
    assert response.status_code == 404 and "Greeting" not in response.content.decode()
