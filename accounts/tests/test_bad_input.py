"""Every write endpoint of the foundation answers bad input with a 400 naming the field."""

import pytest

pytestmark = pytest.mark.django_db

# (method, url, persona, bad body, fields that must be named)
CASES = [
    (
        "post",
        "/api/auth/register",
        None,
        {"email": 1, "password": [], "name": {}, "company": None, "slug": 5},
        {"email", "password", "name", "company", "slug"},
    ),
    ("post", "/api/auth/login", None, {}, {"email", "password"}),
    ("post", "/api/auth/refresh", None, {}, {"refresh"}),
    ("post", "/api/auth/logout", None, {"refresh": None}, {"refresh"}),
    ("post", "/api/auth/password-reset", None, {"email": "nope"}, {"email"}),
    ("post", "/api/auth/password-reset/confirm", None, {"uid": "", "token": ""}, {"uid", "token", "new_password"}),
    ("put", "/api/settings/profile", "alice", {"name": ["x"]}, {"name"}),
    ("put", "/api/settings/password", "alice", {}, {"current_password", "new_password"}),
    (
        "post",
        "/api/settings/api-keys",
        "alice",
        {"name": "", "scopes": "read", "expires_at": "soon"},
        {"name", "scopes", "expires_at"},
    ),
    ("post", "/api/team/invite", "alice", {"email": "x", "role": 3}, {"email", "role"}),
    ("put", "/api/team/members/{mike}/role", "alice", {}, {"role"}),
    ("post", "/api/team/invitations/sometoken/accept", None, {"name": ["x"], "password": {}}, {"name", "password"}),
    (
        "patch",
        "/api/tenant",
        "alice",
        {"timezone": "Nowhere/Land", "primary_colour": "red", "support_email": "x"},
        {"timezone", "primary_colour", "support_email"},
    ),
    ("post", "/api/tenant/domains", "alice", {"domain": "not a host"}, {"domain"}),
    ("post", "/api/tenant/domains", "alice", {"domain": "calls." * 42 + "example.com"}, {"domain"}),  # > 253 long
]


@pytest.mark.parametrize("method, url, persona, body, fields", CASES, ids=[f"{c[0]} {c[1]}" for c in CASES])
def test_bad_input_is_400_naming_each_field(api, acme, mike, method, url, persona, body, fields, request):
    client = api(request.getfixturevalue(persona), acme) if persona else api()
    response = getattr(client, method)(url.format(mike=mike.pk), body, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error_code"] == "validation_error"
    assert set(body["errors"]) >= fields
    assert body["detail"]
