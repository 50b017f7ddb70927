import zoneinfo
from functools import wraps

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from agencies import services as agency_services
from agencies.exports import charges_csv_response
from agencies.selectors import client_stats
from billing.api.serializers import UsageQuerySerializer
from config.errors import DomainError
from dashboard.views.base import (
    error_page,
    form_failure,
    paginate,
    redirects_to_tenant_hosts,
    tenant_page,
    tenant_url,
    validate,
)
from tenants.api import serializers as s
from tenants.models import Tenant
from tenants.selectors import clients_of

TEMPLATE = "dashboard/agency.html"


def _period(request, tz) -> tuple[dict, dict]:
    """The roll-up's date range from the query (default, and on bad input: this month to today), and the errors."""
    today = timezone.localdate(timezone=tz)
    given = {name: request.GET[name] for name in ("date_from", "date_to") if request.GET.get(name)}
    serializer = UsageQuerySerializer(data=given, context={"today": today})
    if serializer.is_valid():
        return serializer.validated_data, {}
    errors = {name: [str(message) for message in messages] for name, messages in serializer.errors.items()}
    return {"date_from": today.replace(day=1), "date_to": today}, errors


def _context(request, **extra):
    tz = zoneinfo.ZoneInfo(request.tenant.timezone)
    period, errors = _period(request, tz)
    page = paginate(request, clients_of(request.tenant).order_by("name", "id"))
    for client in page:
        client.usage = client_stats(client, **period, tz=tz)
    context = {"page": page, "period": period, "values": {"timezone": request.tenant.timezone}}
    return {**context, **({"errors": errors} if errors else {}), **extra}


def _agency_only(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.tenant.kind != Tenant.Kind.AGENCY:
            return error_page(request, 404, "Only agency workspaces have clients.")
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
@tenant_page("tenant.view")
@_agency_only
def charges_csv(request):
    """The charges of the period the clients page shows, as the API's CSV (`/api/agency/charges.csv`)."""
    period, _ = _period(request, zoneinfo.ZoneInfo(request.tenant.timezone))
    return charges_csv_response(request.tenant, period)


@redirects_to_tenant_hosts  # its "Switch into" forms lead to the clients' hosts: the browser checks this page's CSP
@tenant_page({"GET": "tenant.view", "*": "tenant.manage"})
@_agency_only
def clients(request):
    """An agency's client workspaces with this month's call minutes; owners and admins create clients."""
    if request.method != "POST":
        return render(request, TEMPLATE, _context(request))
    values = {name: request.POST.get(name, "").strip() for name in ("name", "slug", "timezone")}
    try:
        data = validate(s.ClientCreateSerializer, {name: value for name, value in values.items() if value})
        client = agency_services.create_client(request.tenant, actor=request.user, **data)
    except DomainError as exc:
        return form_failure(request, TEMPLATE, {**_context(request), "values": values}, exc)
    return render(request, TEMPLATE, _context(request, created=client), status=201)


@require_POST
@redirects_to_tenant_hosts
@tenant_page("tenant.manage")
@_agency_only
def switch(request, client_id):
    """Into a client's workspace: recorded in the client's audit log, then its login page (sessions are per host)."""
    client = clients_of(request.tenant).filter(pk=client_id).first()
    if client is None:
        return error_page(request, 404, "No such client.")
    agency_services.impersonate(request.tenant, client, actor=request.user)
    login = f"{reverse('dashboard:login')}?{urlencode({'email': request.user.email})}"
    return redirect(tenant_url(request, client.slug, login))
