"""Who may open which page: the roles of `accounts.roles`, and nobody sees another tenant's data."""

import pytest
from django_tenants.utils import tenant_context

from agents.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

MEMBER_PAGES = [
    "/",
    "/agents",
    "/templates",
    "/calls",
    "/calls/live",
    "/calendar",
    "/campaigns",
    "/contacts",
    "/contacts/import",
    "/team",
    "/settings",
]
OWNER_AND_ADMIN_PAGES = [
    "/agents/new",
    "/campaigns/new",
    "/compliance/dnc",
    "/compliance/dnc/import",
    "/compliance/calling-hours",
    "/settings/api-keys",
    "/settings/providers",
]


@pytest.mark.parametrize("path", MEMBER_PAGES + OWNER_AND_ADMIN_PAGES)
def test_an_admin_opens_every_page(browser, amy, acme, path):
    assert browser(amy, acme).get(path).status_code == 200


@pytest.mark.parametrize("path", MEMBER_PAGES)
def test_a_member_opens_the_pages_of_members(browser, mike, acme, path):
    assert browser(mike, acme).get(path).status_code == 200


@pytest.mark.parametrize("path", OWNER_AND_ADMIN_PAGES)
def test_a_member_gets_the_403_page_on_owner_and_admin_pages(browser, mike, acme, path):
    response = browser(mike, acme).get(path)
    assert response.status_code == 403
    assert "Your role (member) does not give access to this page." in response.content.decode()


@pytest.mark.parametrize(
    "path", ["/agents/new", "/team/invite", "/settings/api-keys", "/settings/providers", "/team/members/1/role"]
)
def test_a_member_cannot_post_to_owner_and_admin_forms(browser, mike, acme, path):
    assert browser(mike, acme).post(path, {"name": "x", "email": "x@example.com", "role": "owner"}).status_code == 403


def test_the_menu_offers_a_member_no_owner_page(browser, mike, acme):
    page = browser(mike, acme).get("/settings").content.decode()
    assert "/settings/api-keys" not in page and "/settings/providers" not in page


@pytest.mark.parametrize("path", MEMBER_PAGES)
def test_a_user_of_another_tenant_gets_the_403_page(browser, bob, acme, path):
    response = browser(bob, acme).get(path)
    assert response.status_code == 403
    assert "You are not a member of Acme Dental." in response.content.decode()


def test_the_403_page_of_a_non_member_offers_to_log_out(browser, bob, acme):
    page = browser(bob, acme).get("/").content.decode()
    assert 'action="/logout"' in page and "Agents" not in page


def test_a_user_without_a_tenant_gets_the_403_page(browser, charlie, acme):
    assert browser(charlie, acme).get("/agents").status_code == 403


def test_an_agent_of_another_tenant_is_not_found_on_ones_own_host(browser, bob, acme, globex):
    with tenant_context(acme):
        agent = AgentFactory(name="Acme secret receptionist")
    response = browser(bob, globex).get(f"/agents/{agent.pk}")
    assert response.status_code == 404
    assert "Acme secret receptionist" not in response.content.decode()
    assert "Acme secret receptionist" not in browser(bob, globex).get("/agents").content.decode()


def test_workspace_pages_are_not_served_on_the_platform_host(browser, alice):
    assert browser(alice).get("/agents").status_code == 404


def test_pages_carry_the_strict_content_security_policy(browser, alice, acme):
    policy = browser(alice, acme).get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe" not in policy


def test_the_vendored_scripts_are_served_by_the_app(browser, acme):
    for path in (
        "/static/dashboard/vendor/htmx/htmx.min.js",
        "/static/dashboard/vendor/alpinejs-csp/alpine-csp.min.js",
    ):
        assert browser(tenant=acme).get(path).status_code == 200
