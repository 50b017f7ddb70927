from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from tenants.branding import branding_of, logo_for


@require_GET
def brand_css(request):
    """The tenant's colour as the dashboard's accent: a stylesheet, since the CSP allows no inline style. The colour
    is a validated #rrggbb (tenants.models.COLOUR_VALIDATOR), so it cannot break out of the rule."""
    colour = branding_of(request.tenant).primary_colour
    css = f":root {{ --accent: {colour}; }}\n" if colour else ""
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
def logo(request, digest):
    """The tenant's (or its agency's) uploaded logo, from our own host: the address changes with the content, so it is
    cached for good. Anyone may fetch it (email clients do), but only on the hosts of the tenants that show it."""
    found = logo_for(request.tenant, digest)
    if found is None:
        raise Http404("No such logo.")
    response = HttpResponse(bytes(found.content), content_type=found.content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
