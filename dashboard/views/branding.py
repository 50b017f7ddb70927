from django.http import HttpResponse
from django.views.decorators.http import require_GET

from tenants.branding import branding_of


@require_GET
def brand_css(request):
    """The tenant's colour as the dashboard's accent: a stylesheet, since the CSP allows no inline style. The colour
    is a validated #rrggbb (tenants.models.COLOUR_VALIDATOR), so it cannot break out of the rule."""
    colour = branding_of(request.tenant).primary_colour
    css = f":root {{ --accent: {colour}; }}\n" if colour else ""
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
