"""Compliance pages for what a regulator asks about: the audit log (filtered, paginated), exports and erasure of
what is held about a person (or the whole tenant), and the recording, consent and retention settings."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode

from agents.selectors import agents as tenant_agents
from compliance import privacy, selectors, services
from compliance.api import serializers as s
from config.errors import DomainError, NotFound
from contacts.selectors import get_contact
from dashboard.views.base import FormErrors, form_failure, paginate, tenant_page, validate

AUDIT_FILTERS = ("actor", "action", "target", "since", "until")


@tenant_page("compliance.view")
def audit_log(request):
    """The append-only audit log, newest first, filtered by actor, action, target and a date range."""
    values = {name: request.GET.get(name, "").strip() for name in AUDIT_FILTERS}
    context = {"values": values, "page": None}
    try:
        filters = validate(s.AuditQuerySerializer, {name: value for name, value in values.items() if value})
    except FormErrors as exc:
        return render(request, "dashboard/privacy/audit_log.html", {**context, "errors": exc.errors}, status=400)
    filters.pop("format")
    query = urlencode({name: value for name, value in values.items() if value})
    page = paginate(request, selectors.audit_entries(**filters))
    return render(request, "dashboard/privacy/audit_log.html", {**context, "page": page, "query": query})


def _exports_context(request, **extra):
    exports = [
        (export, privacy.export_link_token(export) if export.requested_by_id == request.user.pk else "")
        for export in selectors.data_exports()[:20]
    ]
    return {"exports": exports, "may_export_tenant": "tenant.export" in request.permissions, **extra}


def _inline(exc: DomainError, **fields) -> DomainError:
    """Bad input and what is not found (a contact id) belong beside their field, not on a 404 page. `fields`: the
    form's names of the serializer's fields."""
    if not isinstance(exc, FormErrors | NotFound):
        return exc
    errors = {fields.get(name, name): messages for name, messages in (exc.errors or {}).items()}
    return FormErrors(exc.detail, errors=errors or {"__all__": [exc.detail]})


@tenant_page("compliance.manage")
def exports(request):
    """Request an export of a contact, a member or (owners) the whole tenant; fetch a ready one once."""
    template = "dashboard/privacy/exports.html"
    if request.method != "POST":
        return render(request, template, _exports_context(request))
    kind = request.POST.get("kind", "")
    entered = {"tenant": True} if kind == "tenant" else {kind: request.POST.get("subject", "")} if kind else {}
    try:
        data = validate(s.ExportRequestSerializer, entered)
        privacy.request_export(**data, actor=request.user)
    except DomainError as exc:
        failed = _inline(exc, contact="subject", user="subject")
        return form_failure(request, template, _exports_context(request), failed)
    messages.success(request, "The export is being built: its download link appears below when it is ready.")
    return redirect("dashboard:exports")


@tenant_page("compliance.manage")
def export_download(request, export_id):
    filename, content = privacy.take_export(export_id, request.GET.get("token", ""), actor=request.user)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@tenant_page("compliance.manage")
def erasure(request):
    """Erase a contact (by id) or whoever a number belongs to, once the confirmation box is ticked."""
    template = "dashboard/privacy/exports.html"
    if request.method != "POST":
        return redirect("dashboard:exports")
    values = {"contact": request.POST.get("contact", "").strip(), "number": request.POST.get("number", "").strip()}
    context = _exports_context(request, erase_values=values)
    try:
        data = validate(s.ErasureRequestSerializer, {name: value for name, value in values.items() if value})
        if request.POST.get("confirm") != "yes":
            raise FormErrors("Please correct the fields marked below.", errors={"confirm": ["Tick to confirm."]})
        contact = get_contact(data["contact"]) if "contact" in data else None
        privacy.erase(contact=contact, number=data.get("number", ""), actor=request.user)
    except DomainError as exc:
        return form_failure(request, template, context, _inline(exc))
    messages.success(request, "Erased: nothing about them is kept any more.")
    return redirect("dashboard:exports")


RECORDING_FIELDS = ("record_calls", "recording_disclosure", "retention_days", "redact_pii")


@tenant_page({"GET": "compliance.view", "*": "compliance.manage"})
def recording(request):
    """Recording, its disclosure, retention and PII redaction (tenant-wide); which agents ask consent to record."""
    template = "dashboard/privacy/recording.html"
    current = selectors.compliance_settings()
    saved = s.ComplianceSettingsSerializer(current).data
    context = {"values": saved, "agents": tenant_agents()}
    if request.method != "POST":
        return render(request, template, context)
    values = {
        "record_calls": request.POST.get("record_calls") == "on",
        "recording_disclosure": request.POST.get("recording_disclosure", ""),
        "retention_days": request.POST.get("retention_days", "").strip() or None,
        "redact_pii": request.POST.get("redact_pii") == "on",
    }
    window = {name: saved[name] for name in ("calling_window_start", "calling_window_end", "calling_days")}
    try:
        data = validate(s.ComplianceSettingsSerializer, {**window, **values})
        services.update_settings(**data, actor=request.user)
    except DomainError as exc:
        return form_failure(request, template, {**context, "values": {**saved, **values}}, exc)
    messages.success(request, "The recording and retention settings are saved.")
    return redirect("dashboard:recording")
