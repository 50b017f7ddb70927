"""Conventions every endpoint shares: schema, errors, health, headers, body limit."""

import html
import re

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

import config.urls

pytestmark = pytest.mark.django_db


def test_openapi_schema_lists_every_endpoint_of_the_foundation(api):
    response = api().get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for expected in [
        "/api/auth/register",
        "/api/auth/login",
        "/api/auth/refresh",
        "/api/auth/logout",
        "/api/auth/me",
        "/api/auth/password-reset",
        "/api/auth/password-reset/confirm",
        "/api/settings/profile",
        "/api/settings/password",
        "/api/settings/api-keys",
        "/api/settings/api-keys/{key_id}",
        "/api/team/permissions",
        "/api/team/members",
        "/api/team/invite",
        "/api/team/invitations",
        "/api/team/invitations/{token}/accept",
        "/api/team/members/{user_id}/role",
        "/api/team/members/{user_id}",
        "/api/team/stats",
        "/api/tenant",
    ]:
        assert expected in paths, expected


def test_schema_documents_request_bodies(api):
    schema = api().get("/api/schema/?format=json").json()
    login = schema["paths"]["/api/auth/login"]["post"]
    assert "requestBody" in login
    assert "LoginRequest" in schema["components"]["schemas"]


def test_swagger_ui_is_served(api):
    assert api().get("/api/docs/").status_code == 200


@override_settings(WHITENOISE_USE_FINDERS=True)
def test_swagger_ui_loads_only_assets_we_serve_ourselves(api):
    """Offline, a page pulling Swagger UI from a CDN is blank: every script, stylesheet and icon is ours (the page's
    own start-up script too, served by the docs view rather than inline, for the Content-Security-Policy)."""
    page = api().get("/api/docs/").content.decode()
    assets = [html.unescape(url) for url in re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', page)]

    assert assets, page
    for asset in assets:
        assert asset.startswith((settings.STATIC_URL, "/api/docs/")), asset
        assert api().get(asset).status_code == 200, asset


def test_health_reports_postgres_and_redis(api, acme):
    response = api(tenant=acme).get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "healthy", "checks": {"postgresql": "ok", "redis": "ok"}}


def test_health_is_503_when_redis_is_down(api, monkeypatch):
    from config import health

    def broken():
        raise ConnectionError("refused")

    monkeypatch.setattr(health, "_check_redis", broken)
    response = api().get("/health")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "error: ConnectionError"


def test_security_headers_are_set(api, acme):
    response = api(tenant=acme).get("/health")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


@override_settings(SECURE_HSTS_SECONDS=31536000)
def test_hsts_is_sent_on_secure_requests(api, acme):
    response = api(tenant=acme).get("/health", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


@override_settings(MAX_REQUEST_BODY_BYTES=100)
def test_oversize_body_is_413(api):
    response = api().post("/api/auth/login", {"email": "a@example.com", "password": "x" * 200}, format="json")
    assert response.status_code == 413
    assert response.json()["error_code"] == "request_too_large"


@override_settings(CORS_ALLOWED_ORIGINS=["https://app.example.com"])
def test_cors_allows_configured_origin_only(api):
    allowed = api(headers={"Origin": "https://app.example.com"}).get("/health")
    other = api(headers={"Origin": "https://evil.example.com"}).get("/health")
    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "Access-Control-Allow-Origin" not in other


def test_unknown_api_path_is_json_404(api, acme):
    response = api(tenant=acme).get("/api/does-not-exist")
    assert response.status_code == 404
    assert response.json()["error_code"] == "not_found"


class Explodes(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("secret database password in a traceback")


def test_server_error_is_500_without_internals(api, monkeypatch):
    monkeypatch.setattr(config.urls, "urlpatterns", config.urls.urlpatterns + [path("api/explode", Explodes.as_view())])
    from django.urls import clear_url_caches

    clear_url_caches()
    try:
        response = api().get("/api/explode")
    finally:
        clear_url_caches()
    assert response.status_code == 500
    assert response.json()["error_code"] == "server_error"
    assert "secret" not in response.content.decode()
