import zoneinfo

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import urlencode

from agents.selectors import agents
from calls import selectors
from calls.api import serializers as s
from calls.models import Call
from calls.services import review
from config.errors import DomainError
from dashboard.views.base import FormErrors, form_failure, paginate, tenant_page, validate

FILTERS = ("status", "direction", "agent", "sentiment", "date_from", "date_to", "q")


def _choices():
    return {
        "statuses": Call.Status.choices,
        "directions": Call.Direction.choices,
        "sentiments": ["positive", "neutral", "negative"],
        "agents": agents(),
    }


@tenant_page("calls.view")
def call_list(request):
    """The tenant's calls, newest first, with the API's filters (full-text search in transcripts among them)."""
    values = {name: request.GET.get(name, "") for name in FILTERS}
    context = {"values": values, **_choices()}
    try:
        filters = validate(s.CallFilterSerializer, {name: value for name, value in values.items() if value})
    except FormErrors as exc:
        return form_failure(request, "dashboard/calls/list.html", context, exc)
    calls = selectors.filter_calls(**filters, tz=zoneinfo.ZoneInfo(request.tenant.timezone)).order_by("-created_at")
    query = urlencode({name: value for name, value in values.items() if value})
    return render(request, "dashboard/calls/list.html", {**context, "page": paginate(request, calls), "query": query})


@tenant_page("calls.view")
def call_detail(request, call_id):
    call = selectors.call_detail(call_id)
    template = "dashboard/calls/detail.html"
    context = {"call": call, "values": {}}
    if request.method != "POST":
        return render(request, template, context)
    context["values"] = {"text": request.POST.get("text", "")}
    try:
        text = validate(s.CallNoteSerializer, context["values"])["text"]
        review.add_note(call, text=text, author=request.user)
    except DomainError as exc:
        return form_failure(request, template, context, exc)
    messages.success(request, "The note is added.")
    return redirect("dashboard:call", call_id=call.pk)
