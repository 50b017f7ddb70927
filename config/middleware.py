"""Request-wide conventions: a request id on every response, a cap on body size, and the security headers Django
does not set itself (Content-Security-Policy, Permissions-Policy)."""

import json
import re
import uuid
from urllib.parse import unquote

from django.conf import settings

from config.api.errors import error_body, error_response

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


def body_limit(content_type: str) -> int:
    """The largest body accepted: files come as multipart uploads; anything else is parsed in memory."""
    if content_type.lower().startswith("multipart/form-data"):
        return settings.MAX_REQUEST_BODY_BYTES
    return min(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, settings.MAX_REQUEST_BODY_BYTES)


def _too_large(length, limit):
    return f"The request body is {length} bytes; the limit is {limit} bytes (uploads may be larger as multipart)."


class BodySizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(request, 400, "Content-Length header is not a number.", "invalid_content_length")
        limit = body_limit(request.META.get("CONTENT_TYPE", ""))
        if length > limit:
            return error_response(request, 413, _too_large(length, limit), "request_too_large")
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


class NulCharacterMiddleware:
    """A NUL character in the path, the query string or a header is a 400 naming where: PostgreSQL cannot take it, so
    anything that looks it up (the tenant named by X-Tenant, a filter) would fail with a 500 instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        places = {"path": request.path, "query string": unquote(request.META.get("QUERY_STRING", ""))}
        places |= {name: value for name, value in request.headers.items()}
        for place, value in places.items():
            if "\x00" in value:
                return error_response(
                    request,
                    400,
                    f"The {place} contains a NUL character.",
                    "malformed_request",
                    {place: ["Must not contain NUL characters."]},
                )
        return self.get_response(request)


class RequestBodyLimit:
    """ASGI, in front of Django: refuses a body over the limit before anything reads it, and gives a body sent
    without a Content-Length (chunked) one, having read it up to the limit. Django reads a body by its
    Content-Length alone: without one it would take the body for empty, after the server had buffered all of it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        limit = body_limit(headers.get(b"content-type", b"").decode("latin-1"))
        declared = headers.get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > limit:
                return await _refuse(send, 413, _too_large(int(declared), limit), "request_too_large")
            return await self.app(scope, receive, send)
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > limit:
                return await _refuse(send, 413, _too_large(f"over {limit}", limit), "request_too_large")
            if not message.get("more_body"):
                break
        if body:
            scope = {**scope, "headers": [*scope["headers"], (b"content-length", str(len(body)).encode())]}
        return await self.app(scope, _replay(bytes(body), receive), send)


def _replay(body, receive):
    sent = False

    async def replayed():
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


async def _refuse(send, status, detail, error_code):
    request_id = uuid.uuid4().hex
    body = json.dumps({**error_body(None, detail, error_code), "request_id": request_id}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (REQUEST_ID_HEADER.lower().encode(), request_id.encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
