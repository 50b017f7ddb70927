import zoneinfo

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from rest_framework.authentication import SessionAuthentication

from agents.selectors import agents
from calls import selectors
from calls.api import serializers as s
from calls.api.views import RecordingView
from calls.models import Call
from calls.services import review
from config.errors import DomainError, NotFound
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


# The page's audio player plays the recording through the API's own view (the same permission, audit event and
# streaming from Twilio with the tenant's credentials), authenticated by the dashboard's session.
call_recording = RecordingView.as_view(authentication_classes=[SessionAuthentication])


def _turns(call):
    """The transcript with each turn's moment in the recording (seconds after the call was answered, which is when
    the recording starts) and the corrections already given on it."""
    corrections = {}
    for feedback in call.feedback.all():
        for correction in feedback.corrections.all():
            corrections.setdefault(correction.turn_id, []).append(correction)
    return [
        {
            "turn": turn,
            "at": max(0.0, (turn.created_at - call.started_at).total_seconds()) if call.started_at else None,
            "corrections": corrections.get(turn.pk, []),
        }
        for turn in call.turns.all()
    ]


def _detail(request, call, values=None, errors=None, status=200, **extra):
    """The call's page; `values` of a refused form carry its name as `form`, so its errors go beside it."""
    turns = _turns(call)
    posted = (values or {}).get("correction")
    for item in turns:
        # A refused correction comes back in the form of its own turn.
        item["posted"] = posted if posted and posted["turn"] == str(item["turn"].index) else None
    can_share = "calls.manage" in request.permissions
    context = {
        "call": call,
        "turns": turns,
        "values": {"form": "note", "tags": ", ".join(call.tags), **(values or {})},
        "can_apply": "agents.manage" in request.permissions,
        "can_share": can_share,
        "feedback": [feedback for feedback in call.feedback.all() if feedback.rating or feedback.comment],
        "ratings": [str(rating) for rating in range(1, 6)],
        "share_links": call.share_links.order_by("-created_at") if can_share else [],
        "now": timezone.now(),
        **extra,
    }
    if errors is not None:
        return form_failure(request, "dashboard/calls/detail.html", context, errors)
    return render(request, "dashboard/calls/detail.html", context, status=status)


@tenant_page("calls.view")
def call_detail(request, call_id):
    call = selectors.call_detail(call_id)
    if request.method != "POST":
        return _detail(request, call)
    values = {"text": request.POST.get("text", "")}
    try:
        text = validate(s.CallNoteSerializer, values)["text"]
        review.add_note(call, text=text, author=request.user)
    except DomainError as exc:
        return _detail(request, call, values, exc)
    messages.success(request, "The note is added.")
    return redirect("dashboard:call", call_id=call.pk)


@tenant_page("calls.view")
def call_correction(request, call_id):
    """What the agent should have said on one of its turns ("should have said…"), as the API's feedback."""
    call = selectors.call_detail(call_id)
    if request.method != "POST":
        return redirect("dashboard:call", call_id=call.pk)
    values = {"turn": request.POST.get("turn", ""), "suggested": request.POST.get("suggested", "")}
    try:
        data = validate(s.FeedbackSerializer, {"corrections": [values]})
        review.give_feedback(call, author=request.user, **data)
    except DomainError as exc:
        # The messages go beside the form of the turn they are about (`corrections` for the field's name).
        exc.errors = {
            "__all__": [exc.detail],
            "correction": [message for field_messages in exc.errors.values() for message in field_messages],
        }
        return _detail(request, call, {"form": "correction", "correction": values}, exc)
    messages.success(request, "The correction is saved.")
    return redirect(f"{reverse('dashboard:call', args=[call.pk])}#turn-{values['turn']}")


def _review_form(request, call, values, save, done, to):
    """One of the call's review forms: saved through the API's rules, or the page shown again with the errors."""
    try:
        save()
    except DomainError as exc:
        return _detail(request, call, values, exc)
    messages.success(request, done)
    return redirect(to)


@tenant_page("calls.view")
def call_tags(request, call_id):
    """The call's tags, typed as a comma-separated list (the API's rules for each tag)."""
    call = selectors.call_detail(call_id)
    if request.method != "POST":
        return redirect("dashboard:call", call_id=call.pk)
    values = {"form": "tags", "tags": request.POST.get("tags", "")}
    tags = [tag.strip() for tag in values["tags"].split(",") if tag.strip()]

    def save():
        review.set_tags(call, validate(s.TagsSerializer, {"tags": tags})["tags"])

    return _review_form(request, call, values, save, "The tags are saved.", reverse("dashboard:call", args=[call.pk]))


@tenant_page("calls.view")
def call_feedback(request, call_id):
    """A rating of the call (1 to 5) and a comment, as the API's feedback."""
    call = selectors.call_detail(call_id)
    if request.method != "POST":
        return redirect("dashboard:call", call_id=call.pk)
    values = {"form": "feedback", "rating": request.POST.get("rating", ""), "comment": request.POST.get("comment", "")}

    def save():
        data = validate(s.FeedbackSerializer, {"rating": values["rating"] or None, "comment": values["comment"]})
        review.give_feedback(call, author=request.user, **data)

    to = f"{reverse('dashboard:call', args=[call.pk])}#feedback-title"
    return _review_form(request, call, values, save, "Your feedback is saved.", to)


@tenant_page("calls.manage")
def call_share(request, call_id):
    """A link to read this one call without an account, until it expires or is revoked; shown once (its token is not
    kept)."""
    call = selectors.call_detail(call_id)
    if request.method != "POST":
        return redirect("dashboard:call", call_id=call.pk)
    values = {"form": "share", "expires_in_hours": request.POST.get("expires_in_hours", "")}
    try:
        hours = validate(s.ShareLinkRequestSerializer, values)["expires_in_hours"]
        link, token = review.create_share_link(call, request.tenant, hours=hours, author=request.user)
    except DomainError as exc:
        return _detail(request, call, values, exc)
    url = request.build_absolute_uri(reverse("shared-call", kwargs={"token": token}))
    return _detail(request, call, status=201, shared=link, share_url=url)


@tenant_page("calls.manage")
def share_revoke(request, call_id, link_id):
    call = selectors.call_detail(call_id)
    link = call.share_links.filter(pk=link_id).first()
    if link is None:
        raise NotFound("No such share link.")
    if request.method == "POST":
        review.revoke_share_link(link)
        messages.success(request, "The share link is revoked: it opens nothing any more.")
    return redirect(f"{reverse('dashboard:call', args=[call.pk])}#share-title")


@tenant_page("agents.manage")
def correction_apply(request, correction_id):
    """A correction becomes a training example of its agent (the examples in its prompt)."""
    correction = selectors.corrections().select_related("turn", "agent").filter(pk=correction_id).first()
    if correction is None:
        raise NotFound("No such correction.")
    if request.method == "POST":
        try:
            review.apply_correction(correction)
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, f"The correction is now a training example of {correction.agent.name}.")
    return redirect("dashboard:call", call_id=correction.turn.call_id)


@tenant_page("calls.view")
def live_calls(request):
    """The calls going on now; the page follows each one's transcript over its live socket, and the events stream for
    calls that start or finish meanwhile. Staff with `calls.manage` control them from here (over the same socket)."""
    live = selectors.calls().filter(status__in=selectors.LIVE_STATUSES).select_related("agent").order_by("-created_at")
    context = {"page": paginate(request, live), "can_control": "calls.manage" in request.permissions}
    return render(request, "dashboard/calls/live.html", context)
