"""How the dashboard's pages open our WebSockets (the sandbox chat, live calls, the events stream): a logged-in page
gets a one-minute ticket for its user to one socket, under CSRF, on its own workspace's host; each socket then checks
the user's membership and role itself. (What the ticket opens: tenants/tests/test_socket_tokens.py; conversations
through the sockets: test_browser.py.)"""

import time

import pytest
from django_tenants.utils import tenant_context

from agents.tests.factories import AgentFactory
from tenants.channels import SocketToken

pytestmark = pytest.mark.django_db

EVENTS = {"socket": "/ws/events/"}


def test_the_agent_page_offers_the_sandbox_chat_on_its_socket(browser, mike, acme):
    with tenant_context(acme):
        agent = AgentFactory(name="Reception")
    page = browser(mike, acme).get(f"/agents/{agent.pk}").content.decode()
    assert f'data-sandbox="/ws/agents/{agent.pk}/sandbox/" data-token-url="/socket-token"' in page
    assert '<script src="/static/dashboard/sandbox.js" defer></script>' in page


def test_a_member_gets_a_token_of_their_own_for_the_socket_named(browser, mike, acme):
    response = browser(mike, acme).post("/socket-token", EVENTS)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    token = SocketToken(response.json()["token"])
    assert (token["user_id"], token["socket"], token["tenant"]) == (str(mike.pk), "/ws/events/", "t_acme")


def test_the_token_lives_a_minute(browser, mike, acme):
    token = SocketToken(browser(mike, acme).post("/socket-token", EVENTS).json()["token"])
    assert 0 < token["exp"] - time.time() <= 60


def test_a_token_needs_the_socket_it_is_for(browser, mike, acme):
    response = browser(mike, acme).post("/socket-token", {"socket": "/api/agents"})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["socket"]


def test_a_token_is_not_given_without_the_csrf_token(browser, mike, acme):
    response = browser(mike, acme, csrf=True).post("/socket-token", EVENTS)
    assert response.status_code == 403 and "token" not in response.content.decode()


def test_a_token_is_not_given_to_a_get(browser, mike, acme):
    assert browser(mike, acme).get("/socket-token").status_code == 405


def test_a_visitor_is_sent_to_log_in(browser, acme):
    response = browser(None, acme).post("/socket-token", EVENTS)
    assert response.status_code == 302 and response["Location"].startswith("/login")


def test_bob_gets_no_token_on_acmes_host(browser, bob, acme):
    assert browser(bob, acme).post("/socket-token", EVENTS).status_code == 403
