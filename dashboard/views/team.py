from django.contrib import auth, messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services
from accounts.api import serializers as s
from accounts.roles import ROLE_CHOICES
from accounts.selectors import invitations_of, members_of
from config.errors import DomainError
from dashboard.views.base import form_failure, paginate, tenant_page, validate

TEMPLATE = "dashboard/team.html"


def _context(request, **extra):
    context = {"members": paginate(request, members_of(request.tenant)), "roles": ROLE_CHOICES, "values": {}}
    context["role_values"] = [value for value, _ in ROLE_CHOICES]
    if "team.invite" in request.permissions:
        context["invitations"] = invitations_of(request.tenant).order_by("-created_at")[:50]
    return {**context, **extra}


@tenant_page("team.view")
def team(request):
    return render(request, TEMPLATE, _context(request))


@tenant_page("team.invite")
def invite(request):
    if request.method != "POST":
        return redirect("dashboard:team")
    values = {"email": request.POST.get("email", ""), "role": request.POST.get("role", "")}
    try:
        data = validate(s.InviteSerializer, values)
        invitation, token = services.invite(tenant=request.tenant, invited_by=request.membership, **data)
    except DomainError as exc:
        return form_failure(request, TEMPLATE, _context(request, values=values), exc)
    # The link is in the email; shown here once too, for sending another way.
    link = request.build_absolute_uri(f"/invitations/{token}")
    return render(request, TEMPLATE, _context(request, invited=invitation, invite_link=link), status=201)


@require_POST
@tenant_page("team.change_role")
def change_role(request, user_id):
    try:
        role = validate(s.RoleSerializer, {"role": request.POST.get("role", "")})["role"]
        member = services.change_role(tenant=request.tenant, actor=request.membership, user_id=user_id, role=role)
    except DomainError as exc:
        return form_failure(request, TEMPLATE, _context(request), exc)
    messages.success(request, f"{member.user.email} is now {member.role}.")
    return redirect("dashboard:team")


@require_POST
@tenant_page("team.view")  # members may leave; removing others is checked by the service
def remove_member(request, user_id):
    try:
        services.remove_member(tenant=request.tenant, actor=request.membership, user_id=user_id)
    except DomainError as exc:
        return form_failure(request, TEMPLATE, _context(request), exc)
    if user_id == request.user.pk:
        auth.logout(request)
        messages.info(request, f"You left {request.tenant.name}.")
        return redirect("dashboard:login")
    messages.success(request, "The member is removed.")
    return redirect("dashboard:team")


@require_POST
@tenant_page("team.invite")
def revoke_invitation(request, invitation_id):
    try:
        services.revoke_invitation(tenant=request.tenant, actor=request.membership, invitation_id=invitation_id)
    except DomainError as exc:
        return form_failure(request, TEMPLATE, _context(request), exc)
    messages.success(request, "The invitation is revoked.")
    return redirect("dashboard:team")
