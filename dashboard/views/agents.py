import json

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render

from agents import flows, selectors
from agents.api import serializers as s
from agents.engine import actions
from agents.providers import registry
from agents.services import agents as agent_services
from agents.services import templates as template_services
from config.errors import DomainError
from dashboard.views.base import FormErrors, form_failure, paginate, tenant_page, validate

TEXT_FIELDS = (
    "name",
    "greeting",
    "system_prompt",
    "language",
    "llm_provider",
    "llm_model",
    "stt_provider",
    "tts_provider",
    "voice_id",
    "transfer_number",
    "voicemail_message",
    "temperature",
    "max_tokens",
)


@tenant_page("agents.view")
def agent_list(request):
    return render(request, "dashboard/agents/list.html", {"page": paginate(request, selectors.agents())})


@tenant_page("agents.manage")
def agent_create(request):
    """A new agent on a library template (installed into the tenant on first use)."""
    template = "dashboard/agents/create.html"
    context = {"library": template_services.library_entries(), "values": {}}
    if request.method != "POST":
        return render(request, template, context)
    key = request.POST.get("library_key", "")
    context["values"] = {"name": request.POST.get("name", ""), "library_key": key}
    try:
        if not any(entry["key"] == key for entry in context["library"]):
            raise FormErrors("Choose a template.", errors={"library_key": ["Choose one of the templates."]})
        with transaction.atomic():  # a refused agent leaves no template installed for it
            installed, _ = template_services.install_library_template(key, user=request.user)
            data = validate(s.AgentSerializer, {"name": context["values"]["name"], "template": installed.pk})
            agent = agent_services.create_agent(**data)
    except DomainError as exc:
        return form_failure(request, template, context, exc)
    return redirect("dashboard:agent", agent_id=agent.pk)


def _form_data(post):
    data = {name: post.get(name, "") for name in TEXT_FIELDS}
    data["tools_enabled"] = post.getlist("tools_enabled")
    data["is_active"] = post.get("is_active") == "on"
    data["template"] = post.get("template") or None
    data["max_call_seconds"] = post.get("max_call_seconds") or None
    hours = post.get("business_hours", "").strip()
    try:
        data["business_hours"] = json.loads(hours) if hours else {}
    except json.JSONDecodeError as exc:
        raise FormErrors(
            "Please correct the fields marked below.", errors={"business_hours": [f"Not valid JSON: {exc.msg}."]}
        ) from None
    return data


def _values_of(agent):
    values = {name: getattr(agent, name) for name in TEXT_FIELDS}
    values.update(
        tools_enabled=agent.tools_enabled,
        is_active=agent.is_active,
        template=agent.template_id,
        max_call_seconds=agent.max_call_seconds or "",
        business_hours=json.dumps(agent.business_hours, indent=2) if agent.business_hours else "",
    )
    return values


@tenant_page({"GET": "agents.view", "*": "agents.manage"})
def agent_edit(request, agent_id):
    agent = selectors.get_agent(agent_id)
    template = "dashboard/agents/edit.html"
    context = {
        "agent": agent,
        "templates": selectors.templates(),
        "tools": actions.registry.names(),
        "providers": {kind: registry.names(kind) for kind in registry.KINDS},
        "can_manage": "agents.manage" in request.permissions,
        "values": _values_of(agent),
        # What its greeting and prompt may use (completed as they are typed).
        "variables": sorted(flows.DEFAULT_VARIABLES),
    }
    if request.method != "POST":
        return render(request, template, context)
    context["values"] = {**request.POST.dict(), "tools_enabled": request.POST.getlist("tools_enabled")}
    context["values"]["is_active"] = request.POST.get("is_active") == "on"
    try:
        data = validate(s.AgentSerializer, _form_data(request.POST))
        agent_services.update_agent(agent, **data)
    except DomainError as exc:
        return form_failure(request, template, context, exc)
    messages.success(request, f"{agent.name} is saved.")
    return redirect("dashboard:agent", agent_id=agent.pk)
