from datetime import timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenRefreshView

from accounts import services, two_factor
from accounts.api import serializers as s
from accounts.models import ApiKey, Invitation
from accounts.permissions import NoApiKey
from accounts.roles import ROLE_CHOICES, matrix
from accounts.selectors import api_keys_of, invitations_of, members_of, membership_of, memberships_of
from accounts.two_factor import CHALLENGE_SECONDS
from config.api.schema import results
from config.api.validation import validated
from config.proxies import client_ip
from tenants.selectors import is_public

# Auth ---------------------------------------------------------------------------------------


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=s.RegisterSerializer, responses={202: s.RegisterResponseSerializer})
    def post(self, request):
        """The same answer whether the address is new or taken (its owner is emailed instead): then log in."""
        data = validated(s.RegisterSerializer, request)
        services.register(
            email=data["email"],
            password=data["password"],
            name=data["name"],
            company=data["company"],
            slug=data["slug"],
            timezone_name=data["timezone"],
            ip=client_ip(request),
        )
        body = {"detail": f"Check {data['email']} for a link to confirm it, then log in.", "email": data["email"]}
        return Response(s.RegisterResponseSerializer(body).data, status=status.HTTP_202_ACCEPTED)


class LoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=s.LoginSerializer, responses={200: s.LoginResponseSerializer})
    def post(self, request):
        """200 with tokens; 202 with a challenge when the user has two-factor sign-in (then POST /auth/login/2fa)."""
        data = validated(s.LoginSerializer, request)
        result = services.login(email=data["email"], password=data["password"], ip=client_ip(request))
        if result.challenge:
            body = {"two_factor_required": True, "challenge": result.challenge, "expires_in": CHALLENGE_SECONDS}
            return Response(s.TwoFactorChallengeSerializer(body).data, status=status.HTTP_202_ACCEPTED)
        return Response(s.LoginResponseSerializer({"user": result.user, "tokens": result.tokens}).data)


class LoginCodeView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=s.LoginCodeSerializer, responses={200: s.LoginResponseSerializer})
    def post(self, request):
        data = validated(s.LoginCodeSerializer, request)
        result = services.login_with_code(challenge=data["challenge"], code=data["code"], ip=client_ip(request))
        return Response(s.LoginResponseSerializer({"user": result.user, "tokens": result.tokens}).data)


class TwoFactorEnrolView(APIView):
    permission_classes = [IsAuthenticated, NoApiKey]

    @extend_schema(request=None, responses={200: s.TwoFactorEnrolmentSerializer})
    def post(self, request):
        """A new secret and its QR code for the authenticator app; two-factor sign-in is on once confirmed."""
        enrolment = two_factor.start_enrolment(request.user)
        return Response(s.TwoFactorEnrolmentSerializer(enrolment).data)


class TwoFactorConfirmView(APIView):
    permission_classes = [IsAuthenticated, NoApiKey]

    @extend_schema(request=s.TwoFactorCodeSerializer, responses={200: s.TwoFactorEnabledSerializer})
    def post(self, request):
        """Turns two-factor sign-in on; other sessions end, and fresh tokens come back."""
        codes, tokens = services.enable_two_factor(request.user, **validated(s.TwoFactorCodeSerializer, request))
        return Response(s.TwoFactorEnabledSerializer({"recovery_codes": codes, "tokens": tokens}).data)


class TwoFactorDisableView(APIView):
    permission_classes = [IsAuthenticated, NoApiKey]

    @extend_schema(request=s.PasswordConfirmSerializer, responses={204: None})
    def post(self, request):
        services.disable_two_factor(request.user, **validated(s.PasswordConfirmSerializer, request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RefreshView(TokenRefreshView):
    """Rotates the refresh token; a blacklisted (logged-out) token gets 401."""

    permission_classes = [AllowAny]

    def post(self, request, *args, **kwargs):
        with transaction.atomic():
            response = super().post(request, *args, **kwargs)
            services.record_token_refresh(response.data["refresh"])
        return response


class LogoutView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=s.RefreshSerializer, responses={204: None})
    def post(self, request):
        data = validated(s.RefreshSerializer, request)
        services.logout(data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class VerifyEmailView(APIView):
    """The link emailed at sign-up: its token proves the address."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=s.VerifyEmailSerializer, responses={200: s.UserSerializer})
    def post(self, request):
        user = services.verify_email(validated(s.VerifyEmailSerializer, request)["token"])
        return Response(s.UserSerializer(user).data)


class ResendVerificationView(APIView):
    permission_classes = [IsAuthenticated, NoApiKey]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        if request.user.email_verified_at is None:
            services.send_email_verification(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionsView(APIView):
    """The user's active sessions (refresh tokens), newest first."""

    permission_classes = [IsAuthenticated, NoApiKey]

    @extend_schema(responses={200: results("Sessions", s.SessionSerializer)})
    def get(self, request):
        return Response({"results": s.SessionSerializer(services.active_sessions(request.user), many=True).data})


class SessionView(APIView):
    permission_classes = [IsAuthenticated, NoApiKey]

    @extend_schema(responses={204: None})
    def delete(self, request, session_id):
        services.revoke_session(request.user, session_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: s.MeSerializer})
    def get(self, request):
        tenant = None if is_public(getattr(request, "tenant", None)) else request.tenant
        membership = membership_of(request.user, tenant)
        body = {
            "user": request.user,
            "memberships": memberships_of(request.user),
            "current_tenant": tenant if membership else None,
            "current_role": membership.role if membership else None,
        }
        return Response(s.MeSerializer(body).data)


class PasswordResetView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=s.PasswordResetSerializer, responses={202: None})
    def post(self, request):
        services.request_password_reset(
            validated(s.PasswordResetSerializer, request)["email"], ip=client_ip(request), tenant=request.tenant
        )
        return Response(
            {"detail": "If the address is registered, a reset link is on its way."}, status=status.HTTP_202_ACCEPTED
        )


class PasswordResetConfirmView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=s.PasswordResetConfirmSerializer, responses={204: None})
    def post(self, request):
        services.confirm_password_reset(**validated(s.PasswordResetConfirmSerializer, request), ip=client_ip(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProfileView(APIView):
    permission_classes = [IsAuthenticated, NoApiKey]

    @extend_schema(request=s.ProfileSerializer, responses={200: s.UserSerializer})
    def put(self, request):
        user = services.update_profile(request.user, **validated(s.ProfileSerializer, request))
        return Response(s.UserSerializer(user).data)


class PasswordChangeView(APIView):
    permission_classes = [IsAuthenticated, NoApiKey]

    @extend_schema(request=s.PasswordChangeSerializer, responses={204: None})
    def put(self, request):
        services.change_password(request.user, **validated(s.PasswordChangeSerializer, request))
        return Response(status=status.HTTP_204_NO_CONTENT)


# Team ---------------------------------------------------------------------------------------


class PermissionsView(APIView):
    required_permission = "team.view"

    @extend_schema(
        responses={
            200: inline_serializer(
                "TeamPermissions",
                {
                    "role": serializers.ChoiceField(choices=ROLE_CHOICES, help_text="The caller's role."),
                    "matrix": serializers.DictField(
                        child=serializers.ListField(child=serializers.ChoiceField(choices=ROLE_CHOICES)),
                        help_text="Each permission and the roles that have it.",
                    ),
                },
            )
        }
    )
    def get(self, request):
        return Response({"role": request.membership.role, "matrix": matrix()})


class TeamTwoFactorView(APIView):
    """Whether every member must sign in with two-factor (owners change it; API keys are not affected)."""

    required_permission = {"GET": "team.view", "PUT": "team.require_two_factor"}
    required_scope = {"PUT": ApiKey.Scope.TEAM}

    @extend_schema(responses={200: s.TwoFactorRequirementSerializer})
    def get(self, request):
        return Response({"required": request.tenant.require_two_factor})

    @extend_schema(request=s.TwoFactorRequirementSerializer, responses={200: s.TwoFactorRequirementSerializer})
    def put(self, request):
        required = validated(s.TwoFactorRequirementSerializer, request)["required"]
        services.require_two_factor(tenant=request.tenant, actor=request.membership, required=required)
        return Response({"required": required})


class MembersView(generics.ListAPIView):
    required_permission = "team.view"
    serializer_class = s.MemberSerializer

    def get_queryset(self):
        return members_of(self.request.tenant)


class InviteView(APIView):
    required_permission = "team.invite"
    required_scope = ApiKey.Scope.TEAM

    @extend_schema(request=s.InviteSerializer, responses={201: s.InvitationCreatedSerializer})
    def post(self, request):
        data = validated(s.InviteSerializer, request)
        invitation, token = services.invite(tenant=request.tenant, invited_by=request.membership, **data)
        invitation.token = token
        return Response(s.InvitationCreatedSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationsView(generics.ListAPIView):
    required_permission = "team.invite"
    serializer_class = s.InvitationSerializer

    def get_queryset(self):
        return invitations_of(self.request.tenant)


class InvitationRevokeView(APIView):
    required_permission = "team.invite"
    required_scope = ApiKey.Scope.TEAM

    @extend_schema(responses={204: None})
    def delete(self, request, invitation_id):
        services.revoke_invitation(tenant=request.tenant, actor=request.membership, invitation_id=invitation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AcceptInvitationView(APIView):
    """The token names the tenant, so this works on any host, for a logged-in or a new user."""

    permission_classes = [NoApiKey]

    @extend_schema(request=s.AcceptInvitationSerializer, responses={200: s.AcceptanceResponseSerializer})
    def post(self, request, token):
        data = validated(s.AcceptInvitationSerializer, request)
        acceptance = services.accept_invitation(token=token, user=request.user, **data)
        body = {"tenant": acceptance.membership.tenant, "role": acceptance.membership.role, "tokens": acceptance.tokens}
        return Response(s.AcceptanceResponseSerializer(body).data)


class MemberRoleView(APIView):
    required_permission = "team.change_role"
    required_scope = ApiKey.Scope.TEAM

    @extend_schema(request=s.RoleSerializer, responses={200: s.MemberSerializer})
    def put(self, request, user_id):
        role = validated(s.RoleSerializer, request)["role"]
        membership = services.change_role(tenant=request.tenant, actor=request.membership, user_id=user_id, role=role)
        return Response(s.MemberSerializer(membership).data)


class MemberView(APIView):
    required_permission = "team.view"  # members may leave; removing others is checked in the service
    required_scope = {"DELETE": ApiKey.Scope.TEAM}

    @extend_schema(responses={204: None})
    def delete(self, request, user_id):
        services.remove_member(tenant=request.tenant, actor=request.membership, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamStatsView(APIView):
    required_permission = "team.view"

    @extend_schema(responses={200: s.TeamStatsSerializer})
    def get(self, request):
        members = members_of(request.tenant)
        by_role = dict(members.order_by().values_list("role").annotate(n=Count("id")))
        week_ago = timezone.now() - timedelta(days=7)
        pending = Invitation.objects.filter(
            tenant=request.tenant, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).count()
        body = {
            "members": sum(by_role.values()),
            "by_role": by_role,
            "pending_invitations": pending,
            "active_last_7_days": members.filter(user__last_active__gte=week_ago).count(),
        }
        return Response(s.TeamStatsSerializer(body).data)


# API keys -----------------------------------------------------------------------------------


class ApiKeysView(generics.ListAPIView):
    required_permission = {"GET": "api_keys.view", "POST": "api_keys.manage"}
    required_scope = {"POST": ApiKey.Scope.API_KEYS}
    serializer_class = s.ApiKeySerializer

    def get_queryset(self):
        return api_keys_of(self.request.tenant)

    @extend_schema(request=s.ApiKeyCreateSerializer, responses={201: s.ApiKeyCreatedSerializer})
    def post(self, request):
        data = validated(s.ApiKeyCreateSerializer, request)
        via_key = request.auth if isinstance(request.auth, ApiKey) else None
        key, secret = services.create_api_key(tenant=request.tenant, created_by=request.user, via_key=via_key, **data)
        key.key = secret
        return Response(s.ApiKeyCreatedSerializer(key).data, status=status.HTTP_201_CREATED)


class ApiKeyView(APIView):
    required_permission = "api_keys.manage"
    required_scope = ApiKey.Scope.API_KEYS

    @extend_schema(responses={204: None})
    def delete(self, request, key_id):
        services.revoke_api_key(tenant=request.tenant, key_id=key_id, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
