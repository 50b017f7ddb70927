"""The OpenAPI schema's shared parts: the error body every 4xx carries (one `Error` component) on every operation,
and the two ways to authenticate.

Every operation documents the errors any request can meet (400 bad input, 401, 403, 404, 429 rate limits); those
with a body also 413 (too large) and 415 (not JSON or a form); those that change something also 409 (a conflict with
the current state, e.g. deleting what something else uses). An operation's own `extend_schema(responses=...)` wins
for any code it names.
"""

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.settings import ISO_8601


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, for people.")
    error_code = serializers.CharField(help_text="Stable, for programs: e.g. `validation_error`, `not_found`.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per field (nested fields joined with dots); empty when no field is at fault.",
    )
    request_id = serializers.CharField(allow_null=True, help_text="The X-Request-ID of the request.")

    class Meta:
        ref_name = "Error"


ERRORS = {
    "400": "Bad input: malformed JSON, a field that is missing, of the wrong type or out of range.",
    "401": "No credentials, or credentials that are not valid.",
    "403": "Not allowed: the role, the API key's scopes or the tenant do not permit it.",
    "404": "No such object in this tenant (or no such tenant).",
    "409": "Conflicts with the current state, e.g. the object is in use.",
    "413": "The request body is too large.",
    "415": "The body's content type is not accepted.",
    "429": "Too many requests: retry after the `Retry-After` header's seconds.",
}
_WITH_BODY = {"POST", "PUT", "PATCH"}
_TIME_PATTERNS = {"%H:%M": r"^([01]\d|2[0-3]):[0-5]\d$"}


def error_codes(method: str) -> list[str]:
    codes = ["400", "401", "403", "404", "429"]
    if method in _WITH_BODY:
        codes += ["413", "415"]
    if method in _WITH_BODY | {"DELETE"}:
        codes.append("409")
    return sorted(codes)


def _may_be_blank(field) -> bool:
    """Whether the field may hold "": it allows it, or (read-only, where DRF drops `allow_blank`) its model field does."""
    if getattr(field, "allow_blank", False):
        return True
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return False
    try:
        return model._meta.get_field(field.source).blank
    except FieldDoesNotExist:
        return False


class AutoSchema(BaseAutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and field.format not in (None, ISO_8601):
            # A time sent as e.g. "21:00" is no RFC 3339 "time" (which has seconds): say what it is instead.
            schema = {k: v for k, v in schema.items() if k != "format"} | {"pattern": _TIME_PATTERNS[field.format]}
        if "format" in schema and _may_be_blank(field):
            # An empty string is a valid value of the field, but not an email, URI, ... of its format.
            schema = {"anyOf": [schema, {"type": "string", "maxLength": 0}]}
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in error_codes(self.method):
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                responses[code]["description"] = ERRORS[code]
        return responses


class _BearerScheme(OpenApiAuthenticationExtension):
    description = ""

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": self.description}


class ApiKeyAuthenticationScheme(_BearerScheme):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "apiKey"
    description = "An API key (`POST /api/settings/api-keys`): `Authorization: Bearer <key>`."


class JWTAuthenticationScheme(_BearerScheme):
    target_class = "accounts.authentication.TenantJWTAuthentication"
    name = "jwt"
    description = "An access token from `POST /api/auth/login`, on the tenant's host (or with `X-Tenant`)."


def results(name: str, serializer, **fields):
    """The schema of `{"results": [serializer...], **fields}`, an unpaginated list as the API sends it."""
    return inline_serializer(name, {"results": serializer(many=True), **fields})
