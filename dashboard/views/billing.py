"""The tenant's plan and its use against the limits, upgrading through Stripe Checkout, the billing portal, and the
invoices (owners and admins see; owners pay)."""

from functools import wraps

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from billing import selectors, services
from billing.api.serializers import CheckoutSerializer
from config.errors import DomainError, UpstreamError
from config.middleware import content_security_policy
from dashboard.views.base import form_failure, tenant_page, validate

TEMPLATE = "dashboard/billing/plan.html"
INVOICES_SHOWN = 12
# Where Checkout and the billing portal live: a form's redirect there must pass the page's form-action.
STRIPE_PAGES = ["https://checkout.stripe.com", "https://billing.stripe.com"]


def _context(request, **extra):
    summary = selectors.subscription_summary(request.tenant)
    plan, usage = summary["plan"], summary["usage"]
    minutes = plan["monthly_minutes"]
    subscription = selectors.subscription_of(request.tenant)
    context = {
        # As checkout_url decides: a tenant paying through Stripe changes plan in the portal instead.
        "can_checkout": subscription is None
        or not subscription.stripe_subscription_id
        or subscription.status in selectors.LAPSED,
        "summary": summary,
        "minutes_share": min(100, round(100 * usage["minutes_used_this_month"] / minutes)) if minutes else None,
        "other_plans": [listed for listed in summary["plans"] if listed["slug"] != plan["slug"]],
        "invoices": [],
        "invoices_error": "",
    }
    try:
        context["invoices"] = selectors.invoices_of(request.tenant, limit=INVOICES_SHOWN)
    except UpstreamError as exc:
        context["invoices_error"] = exc.detail
    return {**context, **extra}


def _to_stripe(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.headers["Content-Security-Policy"] = content_security_policy(form_action=STRIPE_PAGES)
        return response

    return wrapped


@_to_stripe  # its upgrade and portal forms lead to Stripe: the browser checks this page's form-action
@tenant_page("billing.view")
def plan(request):
    return render(request, TEMPLATE, _context(request))


@require_POST
@_to_stripe
@tenant_page("billing.manage")
def checkout(request):
    """Upgrade: on to Stripe Checkout for the chosen plan (what is left of a trial carries over)."""
    try:
        data = validate(CheckoutSerializer, {"plan": request.POST.get("plan", "")})
        return redirect(services.checkout_url(request.tenant, plan_slug=data["plan"], user=request.user))
    except DomainError as exc:
        return form_failure(request, TEMPLATE, _context(request), exc)


@require_POST
@_to_stripe
@tenant_page("billing.manage")
def portal(request):
    try:
        return redirect(services.portal_url(request.tenant))
    except DomainError as exc:
        return form_failure(request, TEMPLATE, _context(request), exc)
