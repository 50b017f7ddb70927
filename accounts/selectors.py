from accounts.models import ApiKey, Invitation, Membership, hash_secret


def api_key_from_authorization(header: str):
    """The ApiKey named by an `Authorization: Bearer vk_…` header, usable or not; None otherwise."""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(ApiKey.PREFIX):
        return None
    return ApiKey.objects.select_related("tenant", "created_by").filter(key_hash=hash_secret(token)).first()


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
