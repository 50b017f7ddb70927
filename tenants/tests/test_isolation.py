"""Bob (globex) can never read, list, change or delete anything of acme's, whatever door he tries:
acme's host, the shared API host with `X-Tenant: acme`, with his JWT or his API key."""

import pytest

from accounts.models import ApiKey, Invitation, Membership
from accounts.services import create_api_key, invite
from tenants.models import Domain, Tenant

pytestmark = pytest.mark.django_db

# Every tenant-scoped endpoint of the foundation, with a body that would succeed for an owner.
ENDPOINTS = [
    ("get", "/api/tenant", None),
    ("patch", "/api/tenant", {"name": "Hijacked"}),
    ("get", "/api/tenant/domains", None),
    ("post", "/api/tenant/domains", {"domain": "evil.example.com"}),
    ("get", "/api/agency/clients", None),
    ("get", "/api/team/members", None),
    ("get", "/api/team/permissions", None),
    ("get", "/api/team/stats", None),
    ("post", "/api/team/invite", {"email": "spy@example.com", "role": "owner"}),
    ("get", "/api/team/invitations", None),
    ("delete", "/api/team/invitations/{invitation}", None),
    ("put", "/api/team/members/{mike}/role", {"role": "owner"}),
    ("delete", "/api/team/members/{mike}", None),
    ("get", "/api/settings/api-keys", None),
    ("post", "/api/settings/api-keys", {"name": "spy", "scopes": ["read"]}),
    ("delete", "/api/settings/api-keys/{key}", None),
]


@pytest.fixture
def acme_rows(acme, alice, mike):
    _, _ = create_api_key(tenant=acme, created_by=alice, name="acme key", scopes=["read"])
    invite(
        tenant=acme,
        invited_by=Membership.objects.get(user=alice, tenant=acme),
        email="friend@example.com",
        role="member",
    )
    return {
        "mike": mike.pk,
        "key": ApiKey.objects.get(tenant=acme).pk,
        "invitation": Invitation.objects.get(tenant=acme).pk,
    }


def snapshot(tenant):
    tenant = Tenant.objects.get(pk=tenant.pk)
    return {
        "tenant": (tenant.name, tenant.status),
        "domains": sorted(Domain.objects.filter(tenant=tenant).values_list("domain", flat=True)),
        "members": sorted(Membership.objects.filter(tenant=tenant).values_list("user__email", "role")),
        "keys": sorted(ApiKey.objects.filter(tenant=tenant).values_list("name", "revoked_at")),
        "invitations": sorted(Invitation.objects.filter(tenant=tenant).values_list("email", "revoked_at")),
    }


@pytest.fixture(params=["jwt-on-host", "jwt-with-header", "api-key-on-host", "api-key-with-header"])
def bobs_client(request, api, bob, globex, acme):
    kind = request.param
    if kind.startswith("jwt"):
        return api(bob, acme) if kind.endswith("host") else api(bob, headers={"X-Tenant": "acme"})
    _, secret = create_api_key(tenant=globex, created_by=bob, name="bob key", scopes=["read", "write", "calls"])
    if kind.endswith("host"):
        return api(api_key=secret, tenant=acme)
    return api(api_key=secret, headers={"X-Tenant": "acme"})


@pytest.mark.parametrize("method, url, body", ENDPOINTS, ids=[f"{m} {u}" for m, u, _ in ENDPOINTS])
def test_bob_is_refused_and_acme_is_unchanged(bobs_client, acme_rows, acme, method, url, body):
    before = snapshot(acme)
    response = getattr(bobs_client, method)(url.format(**acme_rows), body, format="json")
    assert response.status_code in (403, 404), response.content
    assert "acme" not in {r.get("slug") for r in [response.json()] if isinstance(r, dict)}
    assert snapshot(acme) == before
