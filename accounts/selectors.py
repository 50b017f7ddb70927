import functools

from django.db.models import OuterRef, Subquery

from accounts.models import ApiKey, Invitation, Membership, hash_secret

# The creator's membership of the key's tenant comes with the key, in the same query: every API-key request
# needs both, and each trip to the database is paid in latency by every request.
CREATOR_MEMBERSHIP_FIELDS = ("id", "role")


@functools.cache
def _keys_with_creator_membership():
    # Built once per process: making the subqueries costs more CPU than the rest of the lookup. A queryset is a
    # template here; each lookup filters a copy of it.
    creators = Membership.objects.filter(user=OuterRef("created_by"), tenant=OuterRef("tenant"))
    return ApiKey.objects.select_related("tenant", "created_by").annotate(
        **{f"creator_membership_{name}": Subquery(creators.values(name)[:1]) for name in CREATOR_MEMBERSHIP_FIELDS}
    )


def api_key_from_authorization(header: str):
    """The ApiKey named by an `Authorization: Bearer vk_…` header, usable or not; None otherwise."""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(ApiKey.PREFIX):
        return None
    return _keys_with_creator_membership().filter(key_hash=hash_secret(token)).first()


def creator_membership(key: ApiKey):
    """The membership of a key's creator in the key's tenant as it was when the key was looked up, None if they no
    longer belong to it."""
    membership_id = getattr(key, "creator_membership_id", None)
    if membership_id is None:
        return None
    # from_db takes the values in the model's field order; the rest (created_at) load if ever read.
    membership = Membership.from_db(
        key._state.db,
        ["id", "user_id", "tenant_id", "role"],
        [membership_id, key.created_by_id, key.tenant_id, key.creator_membership_role],
    )
    membership.user, membership.tenant = key.created_by, key.tenant
    return membership


def api_key_of_request(request):
    """`api_key_from_authorization` of a request's header, looked up once per request (rate limit, then DRF)."""
    http_request = getattr(request, "_request", request)  # DRF's Request wraps Django's
    if not hasattr(http_request, "_api_key"):
        http_request._api_key = api_key_from_authorization(http_request.headers.get("Authorization", ""))
    return http_request._api_key


def membership_of(user, tenant):
    if user is None or not user.is_authenticated or tenant is None:
        return None
    return Membership.objects.filter(user=user, tenant=tenant).first()


def members_of(tenant):
    return Membership.objects.filter(tenant=tenant).select_related("user").order_by("created_at", "id")


def owner_count(tenant) -> int:
    return Membership.objects.filter(tenant=tenant, role="owner").count()


def invitations_of(tenant):
    return Invitation.objects.filter(tenant=tenant).select_related("invited_by")


def memberships_of(user):
    return Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name")


def invitation_by_token(token):
    """The invitation a link's token names, whatever its status; None for an unknown token."""
    return Invitation.objects.select_related("tenant").filter(token_hash=hash_secret(token)).first()


def api_keys_of(tenant):
    return ApiKey.objects.filter(tenant=tenant).select_related("created_by")
