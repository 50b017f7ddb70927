"""Business rules of users, memberships, invitations, API keys and logins."""

import ipaddress
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import throttling, two_factor
from accounts.models import ApiKey, Invitation, LoginOrigin, Membership, SessionOrigin, User, hash_secret
from accounts.roles import OWNER, role_has, role_may_grant
from accounts.selectors import membership_of, memberships_of, owner_count
from config.audit import audit
from config.audit import origin as request_origin
from config.errors import Conflict, DomainError, Forbidden, Gone, NotFound, Unauthenticated
from config.events import publish_account_event
from tenants.branding import branding_of
from tenants.branding import send_mail as branded_mail
from tenants.channels import SocketToken
from tenants.services import check_new_slug, create_tenant


class AuthenticationError(Unauthenticated):
    error_code = "invalid_credentials"


def _tenants_of(user) -> list:
    """Where a change to a person's account is audited: every tenant they belong to."""
    return [membership.tenant for membership in memberships_of(user)]


def _audit_account(user, action):
    """A person acting on their own account (logging in, refreshing, changing the password)."""
    audit(action, tenants=_tenants_of(user), actor=user, target=f"user:{user.pk}")


def _password_errors(password, user=None, field="password"):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], error_code="weak_password", errors={field: exc.messages})


def issue_tokens(user) -> dict:
    refresh = RefreshToken.for_user(user)
    _note_session_origin(refresh)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def _note_session_origin(refresh: RefreshToken) -> None:
    """The request's client address and user agent, kept beside the refresh token it was issued."""
    where = request_origin()
    token = OutstandingToken.objects.filter(jti=refresh[jwt_settings.JTI_CLAIM]).first()
    if token is not None:
        SessionOrigin.objects.create(token=token, ip=where.ip, user_agent=where.user_agent)


def socket_token(user, *, tenant, path: str) -> str:
    """A logged-in page's ticket to open one WebSocket of ours, `path` on `tenant`'s host, once and within a minute
    (`tenants.channels.SocketToken`); the page offers it as a subprotocol, never in the query string."""
    if not isinstance(path, str) or not path.startswith("/ws/") or len(path) > 200 or "?" in path:
        raise DomainError("Name the socket to open.", errors={"socket": ["A socket path, such as /ws/events/."]})
    return str(SocketToken.for_socket(user, tenant=tenant, path=path))


def add_membership(*, user, tenant, role) -> Membership:
    membership, created = Membership.objects.get_or_create(user=user, tenant=tenant, defaults={"role": role})
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def register(*, email, password, name, company, slug, timezone_name="UTC", ip=None) -> None:
    """A new account and its tenant, or, for an address already registered, an email to its owner instead. The caller
    is answered alike either way (the same errors for bad input, then nothing), so sign-up reveals no address; a new
    owner signs in once the account exists. `ip`: the client's, for the sign-up rate limit (None: not limited)."""
    if ip is not None:
        throttling.check_signup_allowed(ip=ip)
    email = email.strip().lower()
    _password_errors(password, User(email=email, name=name))
    existing = User.objects.filter(email=email).first()
    if existing is None:
        user, _ = _register(
            email=email, password=password, name=name, company=company, slug=slug, timezone_name=timezone_name
        )
        send_email_verification(user)
        return
    check_new_slug(slug)  # a taken slug is refused as it would be for a new address
    send_mail(
        "Someone tried to sign up with your address",
        f"A sign-up for a new workspace was made with {existing.email}, which already has an account, so no new "
        "account was created. If it was you, sign in instead, or reset your password at "
        f"{settings.FRONTEND_URL}/reset-password. If it was not you, you can ignore this message.\n",
        settings.DEFAULT_FROM_EMAIL,
        [existing.email],
    )


_VERIFY_EMAIL_SALT = "accounts.verify-email"


def send_email_verification(user) -> None:
    """A signed link proving the user reads mail at their address; it works for `EMAIL_VERIFICATION_MAX_AGE`."""
    token = signing.dumps({"user": user.pk, "email": user.email}, salt=_VERIFY_EMAIL_SALT)
    link = f"{settings.FRONTEND_URL}/verify-email?token={token}"
    send_mail(
        "Confirm your email address",
        f"Open this link to confirm {user.email}; until then you can sign in but not place calls or invite anyone:\n"
        f"{link}\ntoken: {token}\n",
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )


def verify_email(token: str) -> User:
    invalid = DomainError(
        "This verification link is invalid or has expired.",
        error_code="invalid_verification_token",
        errors={"token": ["Invalid or expired."]},
    )
    try:
        signed = signing.loads(
            token, salt=_VERIFY_EMAIL_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE.total_seconds()
        )
    except signing.BadSignature:
        raise invalid from None
    user = User.objects.filter(pk=signed.get("user"), email=signed.get("email"), is_active=True).first()
    if user is None:
        raise invalid
    if user.email_verified_at is None:
        with transaction.atomic():
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
            _audit_account(user, "auth.email_verified")
    return user


@transaction.atomic
def _register(*, email, password, name, company, slug, timezone_name):
    user = User(email=email, name=name)
    user.set_password(password)
    user.save()
    tenant = create_tenant(name=company, slug=slug, owner=user, timezone=timezone_name)
    return user, tenant


@dataclass
class LoginResult:
    """Tokens, or (for a user with 2FA) the challenge to send back with a code."""

    user: User
    tokens: dict | None = None
    challenge: str = ""


class TwoFactorCodeRequired(DomainError):
    """A session login of a user with 2FA, sent without a code."""

    error_code = "two_factor_required"


def check_credentials(*, email, password, ip) -> User:
    """The user these credentials name, under the login throttle: the first step of every login."""
    email = email.strip().lower()
    throttling.check_login_allowed(ip=ip, email=email)
    user = authenticate(username=email, password=password)
    if user is None:
        throttling.record_login_failure(ip=ip, email=email)
        # Audited where the account belongs; an address with no account is counted by the throttle only.
        known = User.objects.filter(email=email).first()
        if known is not None:
            # No actor: whoever tried is not known to be this person.
            audit("auth.login_failed", tenants=_tenants_of(known), target=f"user:{known.pk}", data={"email": email})
        raise AuthenticationError("Email or password is incorrect.")
    throttling.clear_account_failures(email)
    return user


def login(*, email, password, ip) -> LoginResult:
    user = check_credentials(email=email, password=password, ip=ip)
    if user.two_factor_enabled:
        return LoginResult(user, challenge=two_factor.challenge_for(user))
    return LoginResult(user, tokens=_complete_login(user, ip=ip))


def session_login(*, email, password, code="", ip) -> User:
    """A login to a browser session (the dashboard): the password and, for a user with 2FA, a code in the same
    form. No tokens."""
    user = check_credentials(email=email, password=password, ip=ip)
    method = ""
    if user.two_factor_enabled:
        if not code.strip():
            raise TwoFactorCodeRequired(
                "Enter the code from your authenticator app (or a recovery code).",
                errors={"code": ["Required for an account with two-factor sign-in."]},
            )
        method = _check_second_factor(user, code, ip=ip)
    _record_login(user, ip=ip, second_factor=method)
    return user


def login_with_code(*, challenge: str, code: str, ip) -> LoginResult:
    """The second step of a login with 2FA: the first step's challenge and a TOTP or recovery code."""
    user = two_factor.user_of_challenge(challenge)
    method = _check_second_factor(user, code, ip=ip)
    return LoginResult(user, tokens=_complete_login(user, ip=ip, second_factor=method))


def _check_second_factor(user, code: str, *, ip) -> str:
    """How the code checked out (TOTP or a recovery code), under the login throttle."""
    throttling.check_login_allowed(ip=ip, email=user.email)
    try:
        method = two_factor.check_code(user, code)
    except two_factor.InvalidCode:
        throttling.record_login_failure(ip=ip, email=user.email)
        audit("auth.two_factor_failed", tenants=_tenants_of(user), target=f"user:{user.pk}")
        raise
    throttling.clear_account_failures(user.email)
    return method


def _record_login(user, *, ip, second_factor="") -> None:
    with transaction.atomic():
        user.last_login = user.last_active = timezone.now()
        user.save(update_fields=["last_login", "last_active"])
        audit(
            "auth.login",
            tenants=_tenants_of(user),
            actor=user,
            target=f"user:{user.pk}",
            data={"second_factor": second_factor} if second_factor else None,
        )
        _note_login_origin(user, ip)


def _note_login_origin(user, ip) -> None:
    """Remembers where the user signed in from; a new address (after the first sign-in) is an account event."""
    try:
        ip = str(ipaddress.ip_address(ip or ""))
    except ValueError:
        return
    seen_before = user.login_origins.exists()
    origin, created = LoginOrigin.objects.get_or_create(user=user, ip=ip)
    if not created:
        LoginOrigin.objects.filter(pk=origin.pk).update(last_seen_at=timezone.now())
        return
    if seen_before:
        # The user is told in the app and, unless they chose otherwise, by email (`notifications`).
        publish_account_event("account.new_sign_in", user_id=user.pk, data={"ip": ip, "at": timezone.now()})


def _complete_login(user, *, ip, second_factor="") -> dict:
    _record_login(user, ip=ip, second_factor=second_factor)
    return issue_tokens(user)


def enable_two_factor(user, *, code: str) -> tuple[list[str], dict]:
    """2FA on, once the authenticator app's first code checks out: (the recovery codes, fresh tokens). Every other
    session ends: a refresh token won with the password alone must not outlive the change."""
    with transaction.atomic():
        codes = two_factor.confirm_enrolment(user, code)
        _blacklist_all_refresh_tokens(user)
        _audit_account(user, "auth.two_factor_enabled")
    return codes, issue_tokens(user)


def disable_two_factor(user, *, password: str) -> None:
    with transaction.atomic():
        two_factor.disable(user, password=password)
        _audit_account(user, "auth.two_factor_disabled")


@transaction.atomic
def require_two_factor(*, tenant, actor: Membership, required: bool) -> None:
    """Owners may require every member of their tenant to sign in with 2FA (`TenantPermission` enforces it)."""
    _require(actor, "team.require_two_factor", "Only owners can change the two-factor requirement.")
    if required and not actor.user.two_factor_enabled:
        raise Conflict(
            "Turn on two-factor sign-in for your own account before requiring it.", error_code="enable_two_factor_first"
        )
    tenant.require_two_factor = required
    tenant.save(update_fields=["require_two_factor"])  # a save: the host cache (tenants.selectors) forgets the tenant
    audit(
        "team.two_factor_required" if required else "team.two_factor_not_required",
        tenants=[tenant],
        actor=actor.user,
        target=f"tenant:{tenant.slug}",
    )


def record_token_refresh(refresh_token: str) -> None:
    """After a refresh token was rotated (simplejwt's view), in the same transaction: who got the new token, and
    where from."""
    refresh = RefreshToken(refresh_token)
    _note_session_origin(refresh)
    user = User.objects.filter(pk=refresh[jwt_settings.USER_ID_CLAIM]).first()
    if user is not None:
        _audit_account(user, "auth.token_refreshed")


def logout(refresh_token: str) -> None:
    from rest_framework_simplejwt.exceptions import TokenError

    try:
        with transaction.atomic():
            token = RefreshToken(refresh_token)
            token.blacklist()
            user = User.objects.filter(pk=token[jwt_settings.USER_ID_CLAIM]).first()
            if user is not None:
                _audit_account(user, "auth.logout")
    except TokenError as exc:
        raise AuthenticationError(str(exc), error_code="invalid_token", errors={"refresh": [str(exc)]})


def active_sessions(user):
    """The user's refresh tokens still good: one per signed-in app or browser, newest first."""
    return (
        OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True)
        .select_related("origin")
        .only("id", "created_at", "expires_at", "origin__ip", "origin__user_agent")
        .order_by("-created_at", "-id")
    )


def revoke_session(user, session_id) -> None:
    """Ends one session: its refresh token is refused from now on (its access token lapses within minutes)."""
    token = active_sessions(user).filter(pk=session_id).first()
    if token is None:
        raise NotFound("No such session.")
    with transaction.atomic():
        BlacklistedToken.objects.get_or_create(token=token)
        audit(
            "auth.session_revoked",
            tenants=_tenants_of(user),
            actor=user,
            target=f"user:{user.pk}",
            data={"session": token.pk},
        )


def _blacklist_all_refresh_tokens(user) -> None:
    for token in OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False):
        BlacklistedToken.objects.get_or_create(token=token)


def request_password_reset(email: str, *, ip=None, tenant=None) -> None:
    """Sends a reset link if the address is known; says nothing either way (no account probing). Rate-limited per
    client `ip` and per address, whether it is known or not. Asked on a tenant's host, the email is in that tenant's
    name and links to that host (an agency's client never sees the platform's)."""
    email = email.strip().lower()
    if ip is not None:
        throttling.check_password_reset_allowed(ip=ip, email=email)
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None:
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = f"{branding_of(tenant).base_url}/reset-password?uid={uid}&token={token}"
    branded_mail(
        tenant,
        "Reset your password",
        f"Use this link within {settings.PASSWORD_RESET_TIMEOUT // 60} minutes to choose a new password:\n{link}\n"
        f"uid: {uid}\ntoken: {token}\n",
        [user.email],
    )


def confirm_password_reset(*, uid, token, new_password, ip=None) -> User:
    if ip is not None:
        throttling.check_password_reset_confirm_allowed(ip=ip)
    invalid = DomainError(
        "Reset link is invalid or expired.", error_code="invalid_reset_token", errors={"token": ["Invalid or expired."]}
    )
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uid)), is_active=True)
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        raise invalid
    # The token hashes the password and last login, so it stops working once used.
    if not default_token_generator.check_token(user, token):
        raise invalid
    _password_errors(new_password, user, field="new_password")
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        _blacklist_all_refresh_tokens(user)
        _audit_account(user, "auth.password_reset")
    return user


def change_password(user, *, current_password, new_password) -> None:
    if not user.check_password(current_password):
        raise DomainError(
            "Current password is incorrect.", error_code="wrong_password", errors={"current_password": ["Incorrect."]}
        )
    _password_errors(new_password, user, field="new_password")
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        _blacklist_all_refresh_tokens(user)
        _audit_account(user, "auth.password_changed")


def update_profile(user, *, name) -> User:
    user.name = name
    user.save(update_fields=["name"])
    return user


# Team -----------------------------------------------------------------------------------------


def _require(membership, permission, detail):
    if not role_has(membership.role, permission):
        raise Forbidden(detail, error_code="role_forbidden")


@transaction.atomic
class EmailUnverified(Forbidden):
    error_code = "email_unverified"

    def __init__(self):
        super().__init__("Confirm your email address first: open the link we emailed you at sign-up.")


def check_verified(user) -> None:
    """Placing calls and inviting need an address the user proved they read."""
    if user.email_verified_at is None:
        raise EmailUnverified()


def invite(*, tenant, invited_by: Membership, email, role) -> tuple[Invitation, str]:
    _require(invited_by, "team.invite", "Only owners and admins can invite.")
    check_verified(invited_by.user)
    if role == OWNER:
        _require(invited_by, "team.manage_owners", "Only owners can invite owners.")
    email = email.strip().lower()
    if Membership.objects.filter(tenant=tenant, user__email=email).exists():
        raise Conflict(
            f"{email} is already a member.", error_code="already_member", errors={"email": ["Already a member."]}
        )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        tenant=tenant,
        email=email,
        role=role,
        token_hash=hash_secret(token),
        invited_by=invited_by.user,
        expires_at=timezone.now() + settings.INVITATION_TTL,
    )
    audit(
        "team.invited",
        tenants=[tenant],
        actor=invited_by.user,
        target=f"invitation:{invitation.pk}",
        data={"email": email, "role": role},
    )
    brand = branding_of(tenant)
    transaction.on_commit(
        lambda: branded_mail(
            tenant,
            f"You are invited to {brand.name}",
            f"{invited_by.user.email} invited you to join {tenant.name} on {brand.name} as {role}.\n"
            f"Accept within 7 days: {brand.base_url}/invitations/{token}\n",
            [email],
        )
    )
    return invitation, token


@dataclass
class Acceptance:
    membership: Membership
    tokens: dict | None  # issued for a user created by the acceptance


@transaction.atomic
def accept_invitation(*, token, user=None, name="", password="") -> Acceptance:
    invitation = Invitation.objects.select_for_update().filter(token_hash=hash_secret(token)).first()
    if invitation is None:
        raise NotFound("Invitation not found.", error_code="invitation_not_found")
    if invitation.status != "pending":
        raise Gone(f"Invitation is {invitation.status}.", error_code=f"invitation_{invitation.status}")
    tokens = None
    if user is not None and user.is_authenticated:
        if user.email != invitation.email:
            raise Forbidden(
                "This invitation was sent to another email address.", error_code="invitation_email_mismatch"
            )
    else:
        if User.objects.filter(email=invitation.email).exists():
            raise AuthenticationError(
                "An account with this email exists: log in, then accept.", error_code="login_required"
            )
        if not password:
            raise DomainError("password: This field is required.", errors={"password": ["This field is required."]})
        # The invitation reached this address: that verifies it.
        user = User(email=invitation.email, name=name, email_verified_at=timezone.now())
        _password_errors(password, user)
        user.set_password(password)
        user.save()
        tokens = issue_tokens(user)
    membership = add_membership(user=user, tenant=invitation.tenant, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit(
        "team.invitation_accepted",
        tenants=[invitation.tenant],
        actor=user,
        target=f"invitation:{invitation.pk}",
        data={"email": invitation.email, "role": invitation.role},
    )
    return Acceptance(membership=membership, tokens=tokens)


def _target_membership(tenant, user_id) -> Membership:
    target = (
        Membership.objects.select_for_update().select_related("user").filter(tenant=tenant, user_id=user_id).first()
    )
    if target is None:
        raise NotFound("No such member in this tenant.", error_code="member_not_found")
    return target


def _lock_owners(tenant):
    # Serialises owner changes so two concurrent demotions cannot both pass the last-owner check.
    list(Membership.objects.select_for_update().filter(tenant=tenant, role=OWNER).values_list("id", flat=True))


@transaction.atomic
def change_role(*, tenant, actor: Membership, user_id, role) -> Membership:
    _require(actor, "team.change_role", "Only owners and admins can change roles.")
    _lock_owners(tenant)
    target = _target_membership(tenant, user_id)
    if OWNER in (role, target.role):
        _require(actor, "team.manage_owners", "Only owners can grant or take away the owner role.")
    if target.role == OWNER and role != OWNER and owner_count(tenant) == 1:
        raise Conflict("The last owner cannot be demoted.", error_code="last_owner")
    previous, target.role = target.role, role
    target.save(update_fields=["role"])
    audit(
        "team.role_changed",
        tenants=[tenant],
        actor=actor.user,
        target=f"user:{target.user_id}",
        data={"email": target.user.email, "from": previous, "to": role},
    )
    return target


@transaction.atomic
def remove_member(*, tenant, actor: Membership, user_id) -> None:
    leaving = actor.user_id == int(user_id)
    if not leaving:
        _require(actor, "team.remove", "Only owners and admins can remove members.")
    _lock_owners(tenant)
    target = _target_membership(tenant, user_id)
    if target.role == OWNER:
        if not leaving:
            _require(actor, "team.manage_owners", "Only owners can remove an owner.")
        if owner_count(tenant) == 1:
            raise Conflict("The last owner cannot be removed.", error_code="last_owner")
    revoked = ApiKey.objects.filter(tenant=tenant, created_by_id=target.user_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    target.delete()
    audit(
        "team.member_left" if leaving else "team.member_removed",
        tenants=[tenant],
        actor=actor.user,
        target=f"user:{target.user_id}",
        data={"email": target.user.email, "role": target.role, "api_keys_revoked": revoked},
    )


@transaction.atomic
def revoke_invitation(*, tenant, actor: Membership, invitation_id) -> None:
    _require(actor, "team.invite", "Only owners and admins can revoke invitations.")
    updated = Invitation.objects.filter(
        tenant=tenant, pk=invitation_id, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if not updated:
        raise NotFound("No pending invitation with this id.", error_code="invitation_not_found")
    audit("team.invitation_revoked", tenants=[tenant], actor=actor.user, target=f"invitation:{invitation_id}")


# API keys -------------------------------------------------------------------------------------


def require_membership(user, tenant) -> Membership:
    membership = membership_of(user, tenant)
    if membership is None:
        raise Forbidden(f"You are not a member of tenant '{tenant.slug}'.", error_code="not_a_member")
    return membership


def _check_grantable(*, tenant, created_by, scopes, expires_at, via_key):
    """A key never holds more than its creator's role allows, and a key made by a key never more than that key."""
    membership = require_membership(created_by, tenant)
    beyond_role = sorted(scope for scope in set(scopes) if not role_may_grant(membership.role, scope))
    if beyond_role:
        raise Forbidden(
            f"Your role '{membership.role}' cannot grant the scopes {', '.join(beyond_role)}.",
            error_code="scope_exceeds_role",
            errors={"scopes": [f"Not allowed for role '{membership.role}': {', '.join(beyond_role)}."]},
        )
    if via_key is None:
        return expires_at
    beyond_key = sorted(set(scopes) - set(via_key.scopes))
    if beyond_key:
        raise Forbidden(
            f"An API key cannot grant scopes it does not hold: {', '.join(beyond_key)}.",
            error_code="scope_escalation",
            errors={"scopes": [f"Not held by this API key: {', '.join(beyond_key)}."]},
        )
    if via_key.expires_at is not None:
        if expires_at is None:
            return via_key.expires_at
        if expires_at > via_key.expires_at:
            raise Forbidden(
                "A key made by an API key cannot outlive it.",
                error_code="scope_escalation",
                errors={"expires_at": [f"Must be no later than {via_key.expires_at.isoformat()}."]},
            )
    return expires_at


# What a tenant's plan says of a new API key: billing registers its check at start-up (it sits above accounts).
_api_key_checks: dict[str, Callable] = {}


def register_api_key_check(name: str, check: Callable) -> None:
    """`check(tenant)` raises a DomainError when the tenant may not create an API key."""
    _api_key_checks[name] = check


def create_api_key(*, tenant, created_by, name, scopes, expires_at=None, via_key=None) -> tuple[ApiKey, str]:
    """Returns the key and its secret; the secret is never stored and never shown again. `via_key`: the API key the
    request was made with, if any."""
    for check in _api_key_checks.values():
        check(tenant)
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError("expires_at: must be in the future.", errors={"expires_at": ["Must be in the future."]})
    expires_at = _check_grantable(
        tenant=tenant, created_by=created_by, scopes=scopes, expires_at=expires_at, via_key=via_key
    )
    for _ in range(3):
        prefix = secrets.token_hex(4)
        secret = f"{ApiKey.PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(
                    tenant=tenant,
                    name=name,
                    prefix=f"{ApiKey.PREFIX}{prefix}",
                    key_hash=hash_secret(secret),
                    scopes=sorted(set(scopes)),
                    created_by=created_by,
                    expires_at=expires_at,
                )
                audit(
                    "api_key.created",
                    tenants=[tenant],
                    actor=created_by,
                    target=f"api_key:{key.pk}",
                    data={"name": name, "prefix": key.prefix, "scopes": key.scopes},
                )
            return key, secret
        except IntegrityError:
            continue  # prefix collision: draw again
    raise Conflict("Could not allocate a unique API key; try again.")


@transaction.atomic
def revoke_api_key(*, tenant, key_id, actor=None) -> None:
    updated = ApiKey.objects.filter(tenant=tenant, pk=key_id, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if not updated:
        raise NotFound("No active API key with this id.", error_code="api_key_not_found")
    audit("api_key.revoked", tenants=[tenant], actor=actor, target=f"api_key:{key_id}")
