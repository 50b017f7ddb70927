"""Logos are uploaded (PNG, JPEG or WebP; never SVG; within a size; decoded by Pillow) and served from the tenant's own
host, so the pages' CSP allows images from 'self' and data: only."""

import hashlib
import io

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from config.errors import TooLarge
from tenants.branding import branding_of
from tenants.logos import checked_logo
from tenants.models import Logo
from tenants.tests.images import SVG, image

pytestmark = pytest.mark.django_db

LOGO = "/api/tenant/logo"


def upload(api, user, tenant, content, name="logo.png"):
    return api(user, tenant).put(LOGO, {"logo": SimpleUploadedFile(name, content)}, format="multipart")


def host(tenant):
    return f"{tenant.slug}.{django_settings.BASE_DOMAIN}"


@pytest.mark.parametrize("fmt, content_type", [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")])
def test_an_owner_uploads_a_logo_served_from_the_tenants_own_host(api, alice, acme, fmt, content_type):
    content = image(fmt)
    response = upload(api, alice, acme, content)
    digest = hashlib.sha256(content).hexdigest()
    assert (response.status_code, response.json()) == (200, {"logo_url": f"/brand/logo/{digest}"})
    served = Client(HTTP_HOST=host(acme)).get(f"/brand/logo/{digest}")
    assert (served.status_code, served["Content-Type"], served.content) == (200, content_type, content)
    assert served["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served["Content-Security-Policy"] == "default-src 'none'"


def test_an_svg_is_refused_naming_the_field(api, alice, acme):
    response = upload(api, alice, acme, SVG, name="logo.svg")
    assert (response.status_code, response.json()["error_code"]) == (400, "unsupported_logo")
    assert list(response.json()["errors"]) == ["logo"]
    assert not Logo.objects.exists()


def test_a_gif_is_refused_too(api, alice, acme):
    response = upload(api, alice, acme, image("GIF"), name="logo.gif")
    assert (response.status_code, response.json()["error_code"]) == (400, "unsupported_logo")


def test_a_damaged_png_is_refused(api, alice, acme):
    response = upload(api, alice, acme, image("PNG")[:-20])
    assert (response.status_code, response.json()["error_code"]) == (400, "invalid_logo")


def test_a_logo_over_the_size_limit_is_a_413(api, alice, acme, settings):
    settings.LOGO_MAX_BYTES = 100
    response = upload(api, alice, acme, image("PNG", size=(64, 64), colour=(1, 2, 3)) + b"\0" * 200)
    assert (response.status_code, list(response.json()["errors"])) == (413, ["logo"])


def test_an_image_of_too_many_pixels_is_refused(api, alice, acme, settings):
    settings.LOGO_MAX_PIXELS = 100
    response = upload(api, alice, acme, image("PNG", size=(20, 20)))
    assert (response.status_code, response.json()["error_code"]) == (400, "invalid_logo")


def test_members_cannot_change_the_logo(api, mike, acme):
    assert upload(api, mike, acme, image()).status_code == 403


def test_a_logo_is_not_served_on_another_tenants_host(api, alice, acme, globex):
    content = image()
    upload(api, alice, acme, content)
    digest = hashlib.sha256(content).hexdigest()
    assert Client(HTTP_HOST=host(globex)).get(f"/brand/logo/{digest}").status_code == 404


def test_a_new_logo_replaces_the_old_one_and_deleting_it_leaves_none(api, alice, acme):
    upload(api, alice, acme, image(colour=(1, 1, 1)))
    upload(api, alice, acme, image(colour=(2, 2, 2)))
    assert Logo.objects.filter(tenant=acme).count() == 1
    assert branding_of(acme).logo_path == f"/brand/logo/{hashlib.sha256(image(colour=(2, 2, 2))).hexdigest()}"
    assert api(alice, acme).delete(LOGO).status_code == 204
    assert branding_of(acme).logo_path == ""


def test_the_pages_csp_allows_images_from_our_own_host_and_data_only(alice, acme):
    browser = Client(HTTP_HOST=host(acme))
    browser.force_login(alice)
    policy = browser.get("/")["Content-Security-Policy"]
    [img_src] = [part.strip() for part in policy.split(";") if part.strip().startswith("img-src")]
    assert img_src == "img-src 'self' data:"


def test_a_logo_file_is_read_no_further_than_one_byte_past_the_limit(settings):
    settings.LOGO_MAX_BYTES = 10
    huge = io.BytesIO(b"x" * 1000)
    with pytest.raises(TooLarge):
        checked_logo(huge)
    assert huge.tell() == 11
