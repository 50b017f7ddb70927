"""Request-wide conventions: a request id on every response, a cap on body size, and the security headers Django
does not set itself (Content-Security-Policy, Permissions-Policy)."""

import re
import uuid

from django.conf import settings

from config.api.errors import error_response

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        # A caller's id is kept for tracing across systems, but only if it is harmless to log.
        request.request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


class BodySizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(request, 400, "Content-Length header is not a number.", "invalid_content_length")
        if length > settings.MAX_REQUEST_BODY_BYTES:
            return error_response(
                request,
                413,
                f"Request body is {length} bytes; the limit is {settings.MAX_REQUEST_BODY_BYTES} bytes.",
                "request_too_large",
            )
        return self.get_response(request)


def content_security_policy(**extra) -> str:
    """`CONTENT_SECURITY_POLICY` as a header value, with `extra` sources added per directive (e.g. one page's hash)."""
    policy = {directive: list(sources) for directive, sources in settings.CONTENT_SECURITY_POLICY.items()}
    for directive, sources in extra.items():
        policy.setdefault(directive.replace("_", "-"), []).extend(sources)
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response, unless a view set its own (HSTS, nosniff and
    Referrer-Policy come from Django's SecurityMiddleware, X-Frame-Options from XFrameOptionsMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = content_security_policy()
        self.csp_by_path = [
            (prefix, content_security_policy(**extra))
            for prefix, extra in settings.CONTENT_SECURITY_POLICY_PATHS.items()
        ]
        self.permissions = ", ".join(f"{feature}={allow}" for feature, allow in settings.PERMISSIONS_POLICY.items())

    def __call__(self, request):
        response = self.get_response(request)
        csp = next((csp for prefix, csp in self.csp_by_path if request.path.startswith(prefix)), self.csp)
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("Permissions-Policy", self.permissions)
        return response
