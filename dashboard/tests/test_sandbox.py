"""The sandbox chat's way onto the sandbox WebSocket: a logged-in page gets a one-minute token for its user, under
CSRF, for an agent of its own tenant. (The conversation itself, through the socket: test_browser.py.)"""

import time

import pytest
from django_tenants.utils import tenant_context
from rest_framework_simplejwt.tokens import AccessToken

from accounts.services import SOCKET_TOKEN_SECONDS
from agents.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def receptionist(acme):
    with tenant_context(acme):
        return AgentFactory(name="Reception")


def test_the_agent_page_offers_the_sandbox_chat(browser, mike, acme, receptionist):
    page = browser(mike, acme).get(f"/agents/{receptionist.pk}").content.decode()
    assert f'data-sandbox="/agents/{receptionist.pk}/sandbox-socket"' in page
    assert '<script src="/static/dashboard/sandbox.js" defer></script>' in page


def test_a_member_gets_the_sockets_path_and_a_token_of_their_own(browser, mike, acme, receptionist):
    response = browser(mike, acme).post(f"/agents/{receptionist.pk}/sandbox-socket")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    grant = response.json()
    assert grant["path"] == f"/ws/agents/{receptionist.pk}/sandbox/"
    assert AccessToken(grant["token"])["user_id"] == str(mike.pk)


def test_the_token_lives_a_minute(browser, mike, acme, receptionist):
    token = AccessToken(browser(mike, acme).post(f"/agents/{receptionist.pk}/sandbox-socket").json()["token"])
    assert 0 < token["exp"] - time.time() <= SOCKET_TOKEN_SECONDS


def test_a_token_is_not_given_without_the_csrf_token(browser, mike, acme, receptionist):
    response = browser(mike, acme, csrf=True).post(f"/agents/{receptionist.pk}/sandbox-socket")
    assert response.status_code == 403 and "token" not in response.content.decode()


def test_a_token_is_not_given_to_a_get(browser, mike, acme, receptionist):
    assert browser(mike, acme).get(f"/agents/{receptionist.pk}/sandbox-socket").status_code == 405


def test_a_visitor_is_sent_to_log_in(browser, acme, receptionist):
    response = browser(None, acme).post(f"/agents/{receptionist.pk}/sandbox-socket")
    assert response.status_code == 302 and response["Location"].startswith("/login")


def test_bob_gets_no_token_on_acme_and_no_acme_agent_on_globex(browser, bob, acme, globex, receptionist):
    assert browser(bob, acme).post(f"/agents/{receptionist.pk}/sandbox-socket").status_code == 403
    assert browser(bob, globex).post(f"/agents/{receptionist.pk}/sandbox-socket").status_code == 404
