"""Roles and the permissions matrix: which role may do what inside a tenant.

Views name the permission they need (`required_permission`); `TenantPermission` looks it up here.
"""

OWNER, ADMIN, MEMBER = "owner", "admin", "member"
ROLES = (OWNER, ADMIN, MEMBER)
ROLE_CHOICES = [(OWNER, "Owner"), (ADMIN, "Admin"), (MEMBER, "Member")]

PERMISSIONS = {
    "tenant.view": {OWNER, ADMIN, MEMBER},
    "tenant.manage": {OWNER, ADMIN},
    "tenant.close": {OWNER},
    "tenant.export": {OWNER},
    "team.view": {OWNER, ADMIN, MEMBER},
    "team.invite": {OWNER, ADMIN},
    "team.change_role": {OWNER, ADMIN},
    "team.remove": {OWNER, ADMIN},
    "team.manage_owners": {OWNER},
    "team.require_two_factor": {OWNER},
    "api_keys.view": {OWNER, ADMIN},
    "api_keys.manage": {OWNER, ADMIN},
    "agents.view": {OWNER, ADMIN, MEMBER},
    "agents.manage": {OWNER, ADMIN},
    "calls.view": {OWNER, ADMIN, MEMBER},
    "calls.place": {OWNER, ADMIN, MEMBER},
    "calls.manage": {OWNER, ADMIN},
    "contacts.view": {OWNER, ADMIN, MEMBER},
    "contacts.manage": {OWNER, ADMIN, MEMBER},
    "campaigns.view": {OWNER, ADMIN, MEMBER},
    "campaigns.manage": {OWNER, ADMIN},
    "scheduling.view": {OWNER, ADMIN, MEMBER},
    "scheduling.manage": {OWNER, ADMIN, MEMBER},
    "compliance.view": {OWNER, ADMIN},
    "compliance.manage": {OWNER, ADMIN},
    "billing.view": {OWNER, ADMIN},
    "billing.manage": {OWNER},
}

# The role permission a member needs to grant each API-key scope. A key acts as its creator, so what it may do is
# always bounded by the creator's current role: checked when the key is made and on every request it makes.
SCOPE_GRANTED_BY = {
    "read": "tenant.view",
    "write": "tenant.view",
    "calls": "calls.place",
    "team": "team.invite",
    "api_keys": "api_keys.manage",
}


def role_has(role: str, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"Unknown permission '{permission}'")
    return role in PERMISSIONS[permission]


def matrix():
    return {permission: sorted(roles, key=ROLES.index) for permission, roles in PERMISSIONS.items()}


def role_may_grant(role: str, scope: str) -> bool:
    return role_has(role, SCOPE_GRANTED_BY[scope])
