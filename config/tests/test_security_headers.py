"""Security headers on every kind of response: a strict Content-Security-Policy (no inline script, never framed) and a
Permissions-Policy, beside HSTS, nosniff, frame denial and Referrer-Policy; the admin and /api/docs/ still work under
them (no inline script on either page)."""

import base64
import hashlib
import re

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def directives(response) -> dict:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_strict_csp(response, inline_styles=False):
    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert not any("'unsafe-eval'" in sources for sources in csp.values())
    unsafe_inline = [directive for directive, sources in csp.items() if "'unsafe-inline'" in sources]
    assert unsafe_inline == (["style-src"] if inline_styles else [])


def test_api_response_has_every_security_header(api, alice, acme):
    response = api(alice, acme).get("/api/tenant", secure=True)
    assert response.status_code == 200
    assert_strict_csp(response)
    assert "microphone=(self)" in response["Permissions-Policy"]
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Strict-Transport-Security"].startswith("max-age=")


def test_errors_answered_before_any_view_have_them_too(api):
    response = api(host="nowhere.example.com").get("/api/tenant")
    assert response.status_code == 404
    assert_strict_csp(response)
    assert "Permissions-Policy" in response


def test_admin_login_page_works_under_the_policy(api):
    response = api(host="localhost").get("/admin/login/")
    assert response.status_code == 200
    assert_strict_csp(response, inline_styles=True)  # django-tenants' admin index styles inline
    page = response.content.decode()
    assert not INLINE_SCRIPT.search(page) and not INLINE_HANDLER.search(page)


def test_admin_pages_have_no_inline_script(client, admin_user):
    client.force_login(admin_user)
    for path in ("/admin/", "/admin/billing/plan/", "/admin/billing/plan/add/", "/admin/accounts/user/add/"):
        response = client.get(path, HTTP_HOST="localhost")
        assert response.status_code == 200, path
        assert_strict_csp(response, inline_styles=True)
        page = response.content.decode()
        assert not INLINE_SCRIPT.search(page) and not INLINE_HANDLER.search(page), path


@override_settings(WHITENOISE_USE_FINDERS=True)
def test_api_docs_page_works_under_the_policy(api):
    response = api().get("/api/docs/")
    assert response.status_code == 200
    assert_strict_csp(response)
    page = response.content.decode()
    assert not INLINE_SCRIPT.search(page) and not INLINE_HANDLER.search(page)
    # The start-up script is a file of ours, served as JavaScript.
    scripts = re.findall(r'<script src="([^"]+)"', page)
    start_up = next(src for src in scripts if "script" in src.split("?")[-1])
    script = api().get(start_up.replace("&amp;", "&"))
    assert script.status_code == 200 and "javascript" in script["Content-Type"]
    assert "SwaggerUIBundle(" in script.content.decode()
    # Its one inline style is allowed by its hash, and nothing else inline is.
    styles = re.findall(r"<style>(.*?)</style>", page, re.DOTALL)
    hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in styles]
    assert directives(response)["style-src"] == ["'self'", *hashes]


def test_the_docs_page_is_not_an_operation_of_the_schema(api):
    schema = api().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/docs/" not in schema["paths"]
