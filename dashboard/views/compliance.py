from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from compliance import selectors, services
from compliance.api import serializers as s
from compliance.api.views import MAX_IMPORT_BYTES
from compliance.models import OPT_OUT_DIGITS, DncImport
from config.errors import DomainError
from config.weekly_hours import WEEKDAYS
from dashboard.views.base import FormErrors, form_failure, paginate, tenant_page, validate

TEMPLATE = "dashboard/compliance/dnc.html"


def _context(request, **extra):
    values = {"search": request.GET.get("search", "").strip()}
    try:
        search = validate(s.DncSearchSerializer, values)["search"]
    except FormErrors as exc:
        return {"values": values, "errors": exc.errors, "page": None, **extra}
    query = urlencode({"search": search}) if search else ""
    return {"values": values, "page": paginate(request, selectors.dnc_entries(search=search)), "query": query, **extra}


@tenant_page({"GET": "compliance.view", "*": "compliance.manage"})
def dnc(request):
    """The tenant's Do-Not-Call list (an agency's also blocks its clients): search, add, remove."""
    if request.method != "POST":
        return render(request, TEMPLATE, _context(request))
    entered = {"number": request.POST.get("number", ""), "reason": request.POST.get("reason", "")}
    try:
        data = validate(s.DncEntryCreateSerializer, entered)
        entry, created = services.add_dnc_entry(data["number"], reason=data["reason"], actor=request.user)
    except DomainError as exc:
        return form_failure(request, TEMPLATE, _context(request, new=entered), exc)
    messages.success(request, f"{entry.number} is {'added to' if created else 'already on'} the list.")
    return redirect("dashboard:dnc")


@require_POST
@tenant_page("compliance.manage")
def dnc_remove(request, entry_id):
    entry = selectors.get_dnc_entry(entry_id)
    services.remove_dnc_entry(entry, actor=request.user)
    messages.success(request, f"{entry.number} may be called again.")
    return redirect("dashboard:dnc")


@tenant_page({"GET": "compliance.view", "*": "compliance.manage"})
def dnc_import(request):
    """A CSV of numbers to add: queued as an import job (its page shows how it goes, then the report)."""
    template = "dashboard/compliance/dnc_import.html"
    context = {"imports": selectors.dnc_imports()[:10]}
    if request.method != "POST":
        return render(request, template, context)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise FormErrors("Please correct the fields marked below.", errors={"file": ["Choose a CSV file."]})
        if upload.size > MAX_IMPORT_BYTES:
            raise FormErrors(
                "Please correct the fields marked below.",
                errors={"file": [f"The file is larger than {MAX_IMPORT_BYTES // 2**20} MB: split it."]},
            )
        job = services.start_dnc_import(upload.read(), filename=upload.name or "", actor=request.user)
    except DomainError as exc:
        return form_failure(request, template, context, exc)
    return redirect("dashboard:dnc_import_job", job_id=job.pk)


@tenant_page("compliance.view")
def dnc_import_job(request, job_id):
    """One import: waiting, importing (the page asks again every second), then its report."""
    job = selectors.get_dnc_import(job_id)
    finished = job.status in (DncImport.Status.DONE, DncImport.Status.FAILED)
    return render(request, "dashboard/compliance/dnc_import_job.html", {"job": job, "finished": finished})


DAY_NAMES = dict(zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")))


@tenant_page({"GET": "compliance.view", "*": "compliance.manage"})
def calling_hours(request):
    """When calls may start, in each callee's local time, and the key that opts a caller out."""
    template = "dashboard/compliance/calling_hours.html"
    saved = s.ComplianceSettingsSerializer(selectors.compliance_settings()).data
    context = {"days": DAY_NAMES.items(), "digits": OPT_OUT_DIGITS, "values": saved}
    if request.method != "POST":
        return render(request, template, context)
    values = {
        "calling_window_start": request.POST.get("calling_window_start", ""),
        "calling_window_end": request.POST.get("calling_window_end", ""),
        "calling_days": request.POST.getlist("calling_days"),
        "opt_out_digit": request.POST.get("opt_out_digit", ""),
    }
    try:
        data = validate(s.ComplianceSettingsSerializer, values)
        services.update_settings(**data, actor=request.user)
    except DomainError as exc:
        return form_failure(request, template, {**context, "values": values}, exc)
    messages.success(request, "The calling hours are saved.")
    return redirect("dashboard:calling_hours")
