import functools

from django.db import connection

from accounts.models import ApiKey, Invitation, Membership, User, hash_secret
from tenants.models import Tenant


@functools.cache
def _key_lookup():
    """The SQL that finds a key by its hash with its tenant, its creator and the creator's membership of the tenant,
    and how to read its row: per model, its field names and each column's converters. Made once per process: every
    API-key request runs it first, and compiling it through the ORM cost several times what running it does."""
    columns, readers = [], []
    for model, alias in ((ApiKey, "k"), (Tenant, "t"), (User, "u")):
        fields = model._meta.concrete_fields
        columns += [f'{alias}."{field.column}"' for field in fields]
        readers.append((model, [field.attname for field in fields], [_converters(field, alias) for field in fields]))
    sql = (
        f'SELECT {", ".join(columns)}, m."id", m."role" FROM "{ApiKey._meta.db_table}" k '
        f'JOIN "{Tenant._meta.db_table}" t ON t."id" = k."tenant_id" '
        f'JOIN "{User._meta.db_table}" u ON u."id" = k."created_by_id" '
        f'LEFT JOIN "{Membership._meta.db_table}" m ON m."user_id" = k."created_by_id" AND m."tenant_id" = k."tenant_id" '
        'WHERE k."key_hash" = %s'
    )
    return sql, readers


def _converters(field, alias):
    column = field.get_col(alias)
    return column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)


def _instance(model, names, converters, values):
    for position, (column, functions) in enumerate(converters):
        for convert in functions:
            values[position] = convert(values[position], column, connection)
    return model.from_db(connection.alias, names, values)


def api_key_from_authorization(header: str):
    """The ApiKey named by an `Authorization: Bearer vk_…` header, usable or not, with its tenant, its creator and the
    creator's membership of the tenant (`creator_membership`); None otherwise."""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(ApiKey.PREFIX):
        return None
    sql, readers = _key_lookup()
    with connection.cursor() as cursor:
        cursor.execute(sql, [hash_secret(token)])
        row = cursor.fetchone()
    if row is None:
        return None
    objects, start = [], 0
    for model, names, converters in readers:
        objects.append(_instance(model, names, converters, list(row[start : start + len(names)])))
        start += len(names)
    key, key.tenant, key.created_by = objects
    key.creator_membership_id, key.creator_membership_role = row[start:]
    return key


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
