"""One error format for every 4xx/5xx:
`{"detail": str, "error_code": str, "errors": {field: [messages]}, "request_id": str}`; a 402 `plan_limit` adds
`"limit": {"name", "current", "allowed", "plan", "upgrade_to"}`.

Domain code raises the errors of `config/errors.py` (no HTTP in them); this module is the one place that gives each
kind its status and headers. DRF's own exceptions are mapped to codes here; anything else is a 500 that never leaks
internals.
"""

import logging
import sys

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, OperationalError
from django.db.models.deletion import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from psycopg_pool import PoolTimeout
from rest_framework import exceptions, status
from rest_framework.response import Response

from config import errors as domain

logger = logging.getLogger(__name__)


# Each kind of domain error (config/errors.py) as the API answers it; the first match in this order wins.
STATUS = (
    (domain.NotFound, status.HTTP_404_NOT_FOUND),
    (domain.Forbidden, status.HTTP_403_FORBIDDEN),
    (domain.Conflict, status.HTTP_409_CONFLICT),
    (domain.Unauthenticated, status.HTTP_401_UNAUTHORIZED),
    (domain.Gone, status.HTTP_410_GONE),
    (domain.TooLarge, status.HTTP_413_REQUEST_ENTITY_TOO_LARGE),
    (domain.TooManyRequests, status.HTTP_429_TOO_MANY_REQUESTS),
    (domain.PlanLimit, status.HTTP_402_PAYMENT_REQUIRED),
    (domain.UpstreamError, status.HTTP_502_BAD_GATEWAY),
    (domain.Unavailable, status.HTTP_503_SERVICE_UNAVAILABLE),
    (domain.DomainError, status.HTTP_400_BAD_REQUEST),
)


def status_of(exc: domain.DomainError) -> int:
    return next(code for kind, code in STATUS if isinstance(exc, kind))


def headers_of(exc: domain.DomainError) -> dict:
    headers = {}
    if getattr(exc, "retry_after_seconds", None):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    if getattr(exc, "limit", None) is not None:
        headers.update(
            {
                "X-RateLimit-Limit": str(exc.limit),
                "X-RateLimit-Remaining": str(exc.remaining),
                "X-RateLimit-Reset": str(exc.reset_seconds),
            }
        )
    return headers


def domain_error_body(request, exc: domain.DomainError) -> dict:
    body = error_body(request, exc.detail, exc.error_code, exc.errors)
    if isinstance(exc, domain.PlanLimit):
        body["limit"] = exc.as_dict()  # which limit, the use, and the plan that lifts it
    return body


def domain_error_response(request, exc: domain.DomainError):
    """A domain error as a plain Django response (middleware, webhooks: views outside DRF)."""
    response = JsonResponse(domain_error_body(request, exc), status=status_of(exc))
    for name, value in headers_of(exc).items():
        response[name] = value
    return response


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


def _request_id(request):
    return getattr(request, "request_id", None) if request is not None else None


def error_body(request, detail, error_code, errors=None):
    return {"detail": str(detail), "error_code": error_code, "errors": errors or {}, "request_id": _request_id(request)}


def error_response(request, status_code, detail, error_code, errors=None, headers=None):
    response = JsonResponse(error_body(request, detail, error_code, errors), status=status_code)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def flatten_errors(data):
    """DRF validation details → {field: [messages]} (nested fields joined with dots)."""
    if isinstance(data, list):
        if data and all(not isinstance(item, (dict, list)) for item in data):
            return {"non_field_errors": [str(item) for item in data]}
        flat = {}
        for index, item in enumerate(data):
            for key, messages in flatten_errors(item).items():
                flat[f"{index}.{key}"] = messages
        return flat
    flat = {}
    for field, value in data.items():
        if isinstance(value, dict) or isinstance(value, list) and value and isinstance(value[0], (dict, list)):
            for key, messages in flatten_errors(value).items():
                flat[f"{field}.{key}"] = messages
        else:
            values = value if isinstance(value, list) else [value]
            flat[field] = [str(item) for item in values]
    return flat


def _validation_detail(errors):
    field, messages = next(iter(errors.items()))
    if field == "non_field_errors":
        return messages[0]
    return f"{field}: {messages[0]}"


_CODES = {
    exceptions.ParseError: "malformed_request",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def database_busy(exc) -> domain.Unavailable | None:
    """Every connection of the process's pool stayed in use for the pool's whole timeout: the server is overloaded,
    not broken, and the request is worth retrying shortly."""
    if isinstance(exc, OperationalError) and isinstance(exc.__cause__, PoolTimeout):
        return domain.Unavailable(
            "The server is busy; try again shortly.",
            error_code="database_busy",
            retry_after_seconds=settings.DATABASE_BUSY_RETRY_AFTER_SECONDS,
        )
    return None


def exception_handler(exc, context):
    request = context.get("request")
    exc = database_busy(exc) or exc
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(
            f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes, the limit for "
            "anything but a file upload."
        )
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError(str(exc) or "Malformed request.")
    elif isinstance(exc, (ProtectedError, RestrictedError)):
        # A delete that a service did not check first: still a 409 naming what is in the way.
        objects = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        exc = domain.Conflict(f"Still in use by {domain.names_of(objects)}.", error_code="in_use")
    elif isinstance(exc, IntegrityError):
        logger.warning("Integrity error answered with a 409", exc_info=exc)
        exc = domain.Conflict("Conflicts with existing data (e.g. a duplicate).", error_code="conflict")
    elif isinstance(exc, DataError):
        # What a serializer let through but the database refused: a number out of range, a text too long.
        logger.warning("Data error answered with a 400", exc_info=exc)
        exc = domain.DomainError("A value is out of range or too long for its field.", error_code="invalid_value")

    if isinstance(exc, domain.DomainError):
        return Response(domain_error_body(request, exc), status=status_of(exc), headers=headers_of(exc))

    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail if isinstance(exc.detail, (dict, list)) else [exc.detail])
        return Response(
            error_body(request, _validation_detail(errors), "validation_error", errors),
            status=status.HTTP_400_BAD_REQUEST,
        )

    if isinstance(exc, exceptions.APIException):
        code = next((c for cls, c in _CODES.items() if isinstance(exc, cls)), exc.default_code)
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        detail = exc.detail if isinstance(exc.detail, str) else _validation_detail(flatten_errors(exc.detail))
        field = getattr(exc, "field", None)  # a malformed body's field, when one is to blame
        errors = {field: [str(detail)]} if field else {}
        return Response(error_body(request, detail, code, errors), status=exc.status_code, headers=headers)

    logger.exception("Unhandled error in API view", exc_info=exc)
    return Response(
        error_body(request, "Internal server error.", "server_error"), status=status.HTTP_500_INTERNAL_SERVER_ERROR
    )


def json_404(request, exception=None):
    return error_response(request, 404, "Not found.", "not_found")


def json_500(request):
    # Django calls this while it handles the exception (raised in a middleware or a view outside DRF).
    busy = database_busy(sys.exc_info()[1])
    if busy is not None:
        return domain_error_response(request, busy)
    return error_response(request, 500, "Internal server error.", "server_error")


def json_400(request, exception=None):
    return error_response(request, 400, "Bad request.", "bad_request")


def json_403(request, exception=None):
    return error_response(request, 403, "Permission denied.", "permission_denied")
