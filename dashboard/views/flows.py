"""Call templates and the visual flow builder: the canvas edits a draft in the browser, a save posts the whole flow,
the agents app's validation names the nodes with problems, and every saved change is a new version (restoring an
old version saves its flow again, as the newest); where the nodes sit is kept on the template, not in a version."""

import json

from django.contrib import messages
from django.shortcuts import redirect, render

from agents import flows, selectors
from agents.engine import actions
from agents.flows.schema import CONDITION_OPS, EXPECT_TYPES, NODE_TYPES
from agents.services import templates as template_services
from config.errors import DomainError, NotFound
from dashboard.views.base import FormErrors, form_failure, paginate, tenant_page


@tenant_page("agents.view")
def template_list(request):
    return render(request, "dashboard/templates/list.html", {"page": paginate(request, selectors.templates())})


def _builder_context(request, template, flow, flow_errors=()):
    return {
        "template": template,
        "versions": paginate(request, selectors.template_versions(template)),
        "current": template.latest_version.number,
        "can_manage": "agents.manage" in request.permissions,
        "flow_errors": list(flow_errors),
        # What the canvas script reads (json_script): the draft, its problems, and the choices of the side panel.
        "builder": {
            "flow": flow,
            "errors": list(flow_errors),
            "node_types": NODE_TYPES,
            "actions": actions.registry.names(),
            "condition_ops": CONDITION_OPS,
            "expect_types": EXPECT_TYPES,
            "variables": sorted(flows.DEFAULT_VARIABLES),
        },
    }


def _current_flow(template):
    return flows.with_layout(template.latest_version.flow, template.layout)


def _posted_flow(post):
    try:
        flow = json.loads(post.get("flow", ""))
    except json.JSONDecodeError as exc:
        raise FormErrors("The flow could not be read.", errors={"flow": [f"Not valid JSON: {exc.msg}."]}) from None
    if not isinstance(flow, dict):
        raise FormErrors("The flow could not be read.", errors={"flow": ["A flow must be a JSON object."]})
    return flow


@tenant_page({"GET": "agents.view", "*": "agents.manage"})
def template_builder(request, template_id):
    template = selectors.get_template(template_id)
    page = "dashboard/templates/builder.html"
    if request.method != "POST":
        return render(request, page, _builder_context(request, template, _current_flow(template)))
    try:
        flow = _posted_flow(request.POST)
    except FormErrors as exc:
        return form_failure(request, page, _builder_context(request, template, _current_flow(template)), exc)
    problems = template_services.validate_template(template, flow=flow)
    context = _builder_context(request, template, flow, problems)
    if problems:
        count = len(problems)
        exc = FormErrors(f"The flow was not saved: {count} problem{'s' if count > 1 else ''}, marked on the nodes.")
        return form_failure(request, page, context, exc)
    before = template.latest_version.number
    try:
        saved = template_services.update_template(template, flow=flow, user=request.user)
    except DomainError as exc:
        return form_failure(request, page, context, exc)
    number = saved.latest_version.number
    if number == before:
        messages.success(request, f"The nodes’ places are saved; the flow is unchanged (version {number}).")
    else:
        messages.success(request, f"{saved.name} is saved as version {number}.")
    return redirect("dashboard:template", template_id=template.pk)


@tenant_page("agents.manage")
def version_restore(request, template_id, number):
    template = selectors.get_template(template_id)
    if request.method != "POST":
        return redirect("dashboard:template", template_id=template.pk)
    version = selectors.template_versions(template).filter(number=number).first()
    if version is None:
        raise NotFound(f"{template.name} has no version {number}.")
    try:
        saved = template_services.update_template(template, flow=version.flow, user=request.user)
    except DomainError as exc:
        return form_failure(
            request, "dashboard/templates/builder.html", _builder_context(request, template, version.flow), exc
        )
    latest = saved.latest_version.number
    if latest == number:
        messages.info(request, f"Version {number} is already the current flow.")
    else:
        messages.success(request, f"Version {number} is restored as version {latest}.")
    return redirect("dashboard:template", template_id=template.pk)
