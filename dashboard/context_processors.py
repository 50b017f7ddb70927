from tenants.branding import branding_of


def branding(request):
    """`brand`: the name, logo and colour of the tenant whose host serves the page (tenants.branding)."""
    return {"brand": branding_of(getattr(request, "tenant", None))}
