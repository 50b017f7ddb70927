import json

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from agents.selectors import agents
from calls.models import Call
from campaigns import selectors
from campaigns.api import serializers as s
from campaigns.models import Campaign
from campaigns.services import lifecycle
from config.errors import DomainError
from contacts.selectors import contact_lists
from dashboard.views.base import FormErrors, form_failure, paginate, tenant_page, validate

# The form's fields that the serializer takes as typed (blank: its default).
FIELDS = (
    "name",
    "agent",
    "contact_list",
    "timezone",
    "start_date",
    "end_date",
    "calls_per_minute",
    "max_concurrent_calls",
    "max_attempts",
    "retry_delay_minutes",
    "voicemail_action",
)


@tenant_page("campaigns.view")
def campaign_list(request):
    return render(request, "dashboard/campaigns/list.html", {"page": paginate(request, selectors.campaigns())})


def _form_context(**extra):
    return {
        "agents": agents(),
        "lists": contact_lists(),
        "voicemail_values": Call.VoicemailAction.values,
        "retry_outcomes": Campaign.RetryOutcome.choices,
        **extra,
    }


@tenant_page("campaigns.manage")
def campaign_create(request):
    """A draft campaign: window (dates, weekly hours, time zone), pacing, retries and the voicemail policy."""
    template = "dashboard/campaigns/create.html"
    if request.method != "POST":
        return render(request, template, _form_context(values={"timezone": request.tenant.timezone}))
    values = {name: request.POST.get(name, "").strip() for name in FIELDS}
    values["retry_on"] = request.POST.getlist("retry_on")
    values["hours"] = request.POST.get("hours", "").strip()
    try:
        data = {name: value for name, value in values.items() if value not in ("", [])}
        if "hours" in data:
            try:
                data["hours"] = json.loads(data["hours"])
            except json.JSONDecodeError as exc:
                raise FormErrors(
                    "Please correct the fields marked below.", errors={"hours": [f"Not valid JSON: {exc.msg}."]}
                ) from None
        campaign = lifecycle.create_campaign(**validate(s.CampaignSerializer, data))
    except DomainError as exc:
        return form_failure(request, template, _form_context(values=values), exc)
    return redirect("dashboard:campaign", campaign_id=campaign.pk)


LIVE_STATUSES = (Campaign.Status.SCHEDULED, Campaign.Status.RUNNING, Campaign.Status.PAUSED)


@tenant_page("campaigns.view")
def campaign_detail(request, campaign_id):
    campaign = selectors.get_campaign(campaign_id)
    context = {
        "campaign": campaign,
        "stats": selectors.campaign_stats(campaign),
        "actions": [action for action, (sources, _) in lifecycle.TRANSITIONS.items() if campaign.status in sources],
        # Progress to follow: the campaign may still dial, or its last calls may still be going on.
        "live": campaign.status in LIVE_STATUSES,
    }
    return render(request, "dashboard/campaigns/detail.html", context)


@require_POST
@tenant_page("campaigns.manage")
def campaign_transition(request, campaign_id, action):
    """Start, pause, resume or cancel (scheduling for later stays with the API)."""
    campaign = selectors.get_campaign(campaign_id)
    if action not in lifecycle.TRANSITIONS or action == "schedule":
        return redirect("dashboard:campaign", campaign_id=campaign.pk)
    try:
        campaign = lifecycle.transition(campaign, action)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"{campaign.name} is {campaign.get_status_display().lower()}.")
    return redirect("dashboard:campaign", campaign_id=campaign.pk)
