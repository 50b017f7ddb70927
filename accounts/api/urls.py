from django.urls import path

from accounts.api import views

urlpatterns = [
    path("auth/register", views.RegisterView.as_view(), name="auth-register"),
    path("auth/login", views.LoginView.as_view(), name="auth-login"),
    path("auth/login/2fa", views.LoginCodeView.as_view(), name="auth-login-2fa"),
    path("auth/2fa/enrol", views.TwoFactorEnrolView.as_view(), name="auth-2fa-enrol"),
    path("auth/2fa/confirm", views.TwoFactorConfirmView.as_view(), name="auth-2fa-confirm"),
    path("auth/2fa/disable", views.TwoFactorDisableView.as_view(), name="auth-2fa-disable"),
    path("auth/refresh", views.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/me", views.MeView.as_view(), name="auth-me"),
    path("auth/password-reset", views.PasswordResetView.as_view(), name="auth-password-reset"),
    path("auth/password-reset/confirm", views.PasswordResetConfirmView.as_view(), name="auth-password-reset-confirm"),
    path("settings/profile", views.ProfileView.as_view(), name="settings-profile"),
    path("settings/password", views.PasswordChangeView.as_view(), name="settings-password"),
    path("settings/api-keys", views.ApiKeysView.as_view(), name="api-keys"),
    path("settings/api-keys/<id:key_id>", views.ApiKeyView.as_view(), name="api-key"),
    path("team/two-factor", views.TeamTwoFactorView.as_view(), name="team-two-factor"),
    path("team/permissions", views.PermissionsView.as_view(), name="team-permissions"),
    path("team/members", views.MembersView.as_view(), name="team-members"),
    path("team/members/<id:user_id>", views.MemberView.as_view(), name="team-member"),
    path("team/members/<id:user_id>/role", views.MemberRoleView.as_view(), name="team-member-role"),
    path("team/invite", views.InviteView.as_view(), name="team-invite"),
    path("team/invitations", views.InvitationsView.as_view(), name="team-invitations"),
    path("team/invitations/<id:invitation_id>", views.InvitationRevokeView.as_view(), name="team-invitation"),
    path("team/invitations/<str:token>/accept", views.AcceptInvitationView.as_view(), name="team-invitation-accept"),
    path("team/stats", views.TeamStatsView.as_view(), name="team-stats"),
]
