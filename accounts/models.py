import hashlib

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from accounts.roles import ROLE_CHOICES
from config.crypto import EncryptedTextField


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May log in to the admin.")
    date_joined = models.DateTimeField(default=timezone.now)
    last_active = models.DateTimeField(null=True, blank=True)
    # Kept beside `TwoFactor.confirmed_at` so that a tenant's 2FA requirement is checked without a query per request.
    two_factor_enabled = models.BooleanField(default=False, editable=False)
    # Set when the user opened the link emailed at sign-up (or accepted an invitation sent to the address). Until then
    # they may sign in but not place calls or invite anyone.
    email_verified_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.email


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=ROLE_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="one_membership_per_tenant")]

    def __str__(self):
        return f"{self.user} @ {self.tenant} ({self.role})"


def hash_secret(secret: str) -> str:
    # Secrets here are long random strings, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(secret.encode()).hexdigest()


class Invitation(models.Model):
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=ROLE_CHOICES)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def status(self):
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class ApiKey(models.Model):
    class Scope(models.TextChoices):
        """What a key may do, on top of what its creator's role allows (`accounts.roles.SCOPE_GRANTED_BY`)."""

        READ = "read", "Read (safe methods)"
        WRITE = "write", "Write (create, change, delete)"
        CALLS = "calls", "Place calls and run campaigns"
        # Kept apart from `write` so an integration's key cannot turn itself into an administrator.
        TEAM = "team", "Manage the team: invite, remove members, change roles"
        API_KEYS = "api_keys", "Create keys (within its own scopes) and revoke keys"

    PREFIX = "vk_"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, help_text="Visible start of the key, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self):
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class TwoFactor(models.Model):
    """A user's TOTP second factor (RFC 6238), in force once a code from their authenticator app was verified."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor")
    secret = EncryptedTextField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The time step of the last code accepted: that code, and any older one, is never accepted again.
    last_step = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"2FA of {self.user} ({'on' if self.confirmed_at else 'enrolling'})"


class RecoveryCode(models.Model):
    """A single-use code that stands in for a TOTP code; only a keyed hash of it is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Recovery code of {self.user}{' (used)' if self.used_at else ''}"


class LoginOrigin(models.Model):
    """An address a user signed in from. A sign-in from an address not seen before is emailed to the user, so a
    stolen password shows itself."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_origins")
    ip = models.GenericIPAddressField()
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "ip"], name="one_login_origin_per_address")]

    def __str__(self):
        return f"{self.user} from {self.ip}"


class SessionOrigin(models.Model):
    """Where a session's refresh token was issued (a login or a refresh), so the user can tell their sessions apart
    and spot one that is not theirs. Each refresh issues a new token, hence a new row for the session's device."""

    token = models.OneToOneField(
        "token_blacklist.OutstandingToken", on_delete=models.CASCADE, related_name="origin", primary_key=True
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    def __str__(self):
        return f"session {self.token_id} from {self.ip or 'unknown'}"
