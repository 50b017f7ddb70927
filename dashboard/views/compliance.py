from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from compliance import selectors, services
from compliance.api import serializers as s
from config.errors import DomainError
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
