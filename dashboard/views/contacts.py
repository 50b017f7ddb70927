from django.shortcuts import redirect, render
from django.utils.http import urlencode

from config.errors import DomainError
from contacts import selectors, services
from contacts.api import serializers as s
from dashboard.views.base import form_failure, paginate, tenant_page, validate


@tenant_page("contacts.view")
def contact_list(request):
    search = request.GET.get("q", "").strip()
    contacts = selectors.filter_contacts(search=search or None).order_by("-created_at", "-id")
    context = {
        "page": paginate(request, contacts),
        "search": search,
        "query": urlencode({"q": search}) if search else "",
    }
    context["imports"] = selectors.contact_imports()[:5]
    return render(request, "dashboard/contacts/list.html", context)


@tenant_page("contacts.manage")
def contact_import(request):
    """A CSV upload: the good rows are imported, and the report names each bad row, field and reason."""
    template = "dashboard/contacts/import.html"
    if request.method != "POST":
        return render(request, template, {"values": {"update_existing": True}})
    values = {name: request.POST.get(name, "").strip() for name in ("list_name", "default_region")}
    values["update_existing"] = request.POST.get("update_existing") == "on"
    entered = {name: value for name, value in values.items() if value != ""}
    if "file" in request.FILES:
        entered["file"] = request.FILES["file"]
    try:
        data = validate(s.ImportSerializer, entered)
        contact_list = services.list_named(data["list_name"]) if "list_name" in data else None
        report = services.import_contacts(
            data["file"],
            contact_list=contact_list,
            default_region=data.get("default_region"),
            update_existing=data["update_existing"],
            file_name=data["file"].name,
            created_by=request.user,
        )
    except DomainError as exc:
        return form_failure(request, template, {"values": values}, exc)
    return redirect("dashboard:contact_import_report", import_id=report["id"])


@tenant_page("contacts.view")
def contact_import_report(request, import_id):
    record = selectors.get_contact_import(import_id)
    return render(request, "dashboard/contacts/report.html", {"record": record})
