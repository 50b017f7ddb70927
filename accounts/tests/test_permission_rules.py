"""How a view's `required_permission` and `required_scope` are read, and what an API key's scopes allow: the
method's own entry, the `*` fallback, read for safe methods and write for the rest."""

from types import SimpleNamespace

import pytest

from accounts.permissions import required_permission_for, required_scope_for

pytestmark = pytest.mark.django_db

MANAGE_AGENTS = {"GET": "agents.view", "*": "agents.manage"}


def view(**attributes):
    return SimpleNamespace(**attributes)


def request(method):
    return SimpleNamespace(method=method)


# Reading a view's rules ----------------------------------------------------------------------------------


def test_a_view_naming_no_permission_needs_none():
    assert required_permission_for(view(), request("GET")) is None


def test_a_view_names_one_permission_for_every_method():
    assert required_permission_for(view(required_permission="tenant.manage"), request("DELETE")) == "tenant.manage"


def test_a_permission_by_method_is_the_methods_own():
    assert required_permission_for(view(required_permission=MANAGE_AGENTS), request("GET")) == "agents.view"


@pytest.mark.parametrize("method", ["PATCH", "PUT", "DELETE", "POST"])
def test_a_method_not_named_falls_back_to_the_star_entry(method):
    assert required_permission_for(view(required_permission=MANAGE_AGENTS), request(method)) == "agents.manage"


@pytest.mark.parametrize("method, scope", [("GET", "read"), ("HEAD", "read"), ("OPTIONS", "read"), ("POST", "write")])
def test_without_a_named_scope_safe_methods_need_read_and_the_rest_write(method, scope):
    assert required_scope_for(view(), request(method)) == scope


def test_a_view_names_one_scope_for_every_method():
    assert required_scope_for(view(required_scope="calls"), request("GET")) == "calls"


def test_a_scope_by_method_applies_to_that_method_only():
    dialing = view(required_scope={"POST": "calls"})
    assert (required_scope_for(dialing, request("POST")), required_scope_for(dialing, request("GET"))) == (
        "calls",
        "read",
    )


# Through the API -------------------------------------------------------------------------------------------


def refused(response, error_code) -> bool:
    return response.status_code == 403 and response.json()["error_code"] == error_code


def test_a_member_cannot_do_what_the_star_entry_reserves_to_admins(api, mike, acme):
    """`PATCH /api/agents/{id}` falls back to `agents.manage`; the role is checked before the agent is looked up."""
    assert refused(api(mike, acme).patch("/api/agents/999999", {"name": "X"}, format="json"), "role_forbidden")


def test_a_write_only_key_cannot_read(api, alice, acme, make_api_key):
    _, secret = make_api_key(acme, alice, scopes=("write",))
    assert refused(api(api_key=secret).get("/api/tenant"), "missing_scope")


def test_a_key_without_the_calls_scope_cannot_dial(api, alice, acme, make_api_key):
    _, secret = make_api_key(acme, alice, scopes=("read", "write"))
    response = api(api_key=secret).post("/api/calls", {"agent": 1, "to": "+14155550123"}, format="json")
    assert refused(response, "missing_scope")


def test_a_key_without_the_calls_scope_still_lists_calls(api, alice, acme, make_api_key):
    _, secret = make_api_key(acme, alice, scopes=("read",))
    assert api(api_key=secret).get("/api/calls").status_code == 200
