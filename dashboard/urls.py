"""The dashboard's pages: the tenant's own host serves its workspace; the platform's host serves sign-up; password
reset and invitations work on any host (their emails link to FRONTEND_URL)."""

from django.urls import path

from dashboard.views import (
    agency,
    agents,
    auth,
    calendar,
    calls,
    campaigns,
    compliance,
    contacts,
    flows,
    knowledge,
    overview,
    settings,
    team,
)

app_name = "dashboard"

urlpatterns = [
    path("", overview.home, name="overview"),
    path("signup", auth.signup, name="signup"),
    path("login", auth.login, name="login"),
    path("logout", auth.logout, name="logout"),
    path("password-reset", auth.password_reset, name="password_reset"),
    path("reset-password", auth.password_reset_confirm, name="password_reset_confirm"),
    path("invitations/<str:token>", auth.accept_invitation, name="invitation"),
    path("agents", agents.agent_list, name="agents"),
    path("agents/new", agents.agent_create, name="agent_create"),
    path("agents/<id:agent_id>", agents.agent_edit, name="agent"),
    path("agents/<id:agent_id>/sandbox-socket", agents.sandbox_socket, name="sandbox_socket"),
    path("templates", flows.template_list, name="templates"),
    path("templates/<id:template_id>", flows.template_builder, name="template"),
    path("templates/<id:template_id>/versions/<int:number>/restore", flows.version_restore, name="template_restore"),
    path("knowledge", knowledge.knowledge_files, name="knowledge"),
    path("knowledge/<id:file_id>/delete", knowledge.knowledge_delete, name="knowledge_delete"),
    path("calls", calls.call_list, name="calls"),
    path("calls/<id:call_id>", calls.call_detail, name="call"),
    path("contacts", contacts.contact_list, name="contacts"),
    path("contacts/import", contacts.contact_import, name="contact_import"),
    path("contacts/imports/<id:import_id>", contacts.contact_import_report, name="contact_import_report"),
    path("campaigns", campaigns.campaign_list, name="campaigns"),
    path("campaigns/new", campaigns.campaign_create, name="campaign_create"),
    path("campaigns/<id:campaign_id>", campaigns.campaign_detail, name="campaign"),
    path("campaigns/<id:campaign_id>/<str:action>", campaigns.campaign_transition, name="campaign_transition"),
    path("calendar", calendar.week, name="calendar"),
    path("compliance/dnc", compliance.dnc, name="dnc"),
    path("compliance/dnc/<id:entry_id>/remove", compliance.dnc_remove, name="dnc_remove"),
    path("agency/clients", agency.clients, name="agency"),
    path("agency/clients/<id:client_id>/switch", agency.switch, name="agency_switch"),
    path("team", team.team, name="team"),
    path("team/invite", team.invite, name="invite"),
    path("team/members/<id:user_id>/role", team.change_role, name="change_role"),
    path("team/members/<id:user_id>/remove", team.remove_member, name="remove_member"),
    path("team/invitations/<id:invitation_id>/revoke", team.revoke_invitation, name="revoke_invitation"),
    path("settings", settings.profile, name="profile"),
    path("settings/api-keys", settings.api_keys, name="api_keys"),
    path("settings/api-keys/<id:key_id>/revoke", settings.revoke_api_key, name="revoke_api_key"),
    path("settings/providers", settings.providers, name="providers"),
]
