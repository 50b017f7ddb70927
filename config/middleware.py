"""Request-wide conventions: a request id on every response, and a cap on body size."""

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
