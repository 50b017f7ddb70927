from rest_framework import serializers

from accounts.models import ApiKey, Invitation, Membership, User
from accounts.roles import ROLE_CHOICES
from config.api.serializers import ModelSerializer
from tenants.models import SLUG_VALIDATOR, validate_timezone


class TenantSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    timezone = serializers.CharField()


class UserSerializer(ModelSerializer):
    email_verified = serializers.SerializerMethodField(
        help_text="Until true, no calls can be placed nor invitations sent."
    )

    class Meta:
        model = User
        fields = ["id", "email", "name", "is_active", "date_joined", "last_active", "email_verified"]
        read_only_fields = fields

    def get_email_verified(self, user) -> bool:
        return user.email_verified_at is not None


class MembershipSerializer(ModelSerializer):
    tenant = TenantSummarySerializer()

    class Meta:
        model = Membership
        fields = ["tenant", "role", "created_at"]


class TokensSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128)
    name = serializers.CharField(max_length=150)
    company = serializers.CharField(max_length=200)
    slug = serializers.CharField(max_length=40, validators=[SLUG_VALIDATOR])
    timezone = serializers.CharField(max_length=64, default="UTC", validators=[validate_timezone])


class RegisterResponseSerializer(serializers.Serializer):
    detail = serializers.CharField()
    email = serializers.EmailField()


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128)


class LoginResponseSerializer(serializers.Serializer):
    user = UserSerializer()
    tokens = TokensSerializer()


class TwoFactorChallengeSerializer(serializers.Serializer):
    two_factor_required = serializers.BooleanField()
    challenge = serializers.CharField(help_text="Send it back with a code to POST /api/auth/login/2fa.")
    expires_in = serializers.IntegerField(help_text="Seconds.")


class LoginCodeSerializer(serializers.Serializer):
    challenge = serializers.CharField(max_length=500)
    code = serializers.CharField(max_length=20, help_text="From the authenticator app, or a recovery code.")


class TwoFactorEnrolmentSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="For typing into an app that cannot scan the QR code.")
    otpauth_uri = serializers.CharField()
    qr_svg = serializers.CharField(help_text="The otpauth URI as a QR code (inline SVG).")


class TwoFactorCodeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)


class TwoFactorEnabledSerializer(serializers.Serializer):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(), help_text="Ten single-use codes; shown only this once."
    )
    tokens = TokensSerializer()


class PasswordConfirmSerializer(serializers.Serializer):
    password = serializers.CharField(write_only=True, max_length=128)


class TwoFactorRequirementSerializer(serializers.Serializer):
    required = serializers.BooleanField()


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class MeSerializer(serializers.Serializer):
    user = UserSerializer()
    memberships = MembershipSerializer(many=True)
    current_tenant = TenantSummarySerializer(allow_null=True)
    current_role = serializers.CharField(allow_null=True)


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = serializers.CharField(write_only=True, max_length=128)


class ProfileSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(write_only=True, max_length=128)
    new_password = serializers.CharField(write_only=True, max_length=128)


class MemberSerializer(ModelSerializer):
    user_id = serializers.IntegerField(source="user.id")
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.name")
    last_active = serializers.DateTimeField(source="user.last_active", allow_null=True)
    joined_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Membership
        fields = ["user_id", "email", "name", "role", "joined_at", "last_active"]


class InviteSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=ROLE_CHOICES)


class InvitationSerializer(ModelSerializer):
    invited_by = serializers.EmailField(source="invited_by.email", allow_null=True, default=None)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "status", "invited_by", "created_at", "expires_at", "accepted_at"]


class InvitationCreatedSerializer(InvitationSerializer):
    token = serializers.CharField()

    class Meta(InvitationSerializer.Meta):
        fields = InvitationSerializer.Meta.fields + ["token"]


class AcceptInvitationSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False, default="")
    password = serializers.CharField(write_only=True, max_length=128, required=False, default="")


class AcceptanceResponseSerializer(serializers.Serializer):
    tenant = TenantSummarySerializer()
    role = serializers.CharField()
    tokens = TokensSerializer(allow_null=True)


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=ROLE_CHOICES)


class TeamStatsSerializer(serializers.Serializer):
    members = serializers.IntegerField()
    by_role = serializers.DictField(child=serializers.IntegerField())
    pending_invitations = serializers.IntegerField()
    active_last_7_days = serializers.IntegerField()


class ApiKeySerializer(ModelSerializer):
    created_by = serializers.EmailField(source="created_by.email", read_only=True)

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "prefix",
            "scopes",
            "created_by",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ]
        read_only_fields = fields


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ApiKey.Scope.choices),
        allow_empty=False,
        max_length=len(ApiKey.Scope.choices),
        help_text="read, write, calls; team and api_keys only for owners and admins. A key made with an API key "
        "holds at most that key's scopes.",
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(help_text="Shown once; store it now.")

    class Meta(ApiKeySerializer.Meta):
        fields = ApiKeySerializer.Meta.fields + ["key"]
        read_only_fields = fields


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    ip = serializers.IPAddressField(
        source="origin.ip", allow_null=True, help_text="Where it was signed in or refreshed from."
    )
    user_agent = serializers.CharField(source="origin.user_agent", allow_null=True, help_text="Null if unknown.")


class VerifyEmailSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500)
