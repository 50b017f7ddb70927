"""End to end in Chromium (see test_browser.py): a member sets up two-factor sign-in from the settings pages under
the Content-Security-Policy, then needs a second factor to log in again."""

import uuid
from pathlib import Path

import pyotp
import pytest

from accounts.models import User
from accounts.tests.factories import PASSWORD
from dashboard.tests.test_browser import CHROMIUM, chromium, fake_twilio, off_the_loop, server, visit

__all__ = ["chromium", "fake_twilio", "server", "visit"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


@pytest.fixture
def newcomer(committed_db):
    """A member of acme of the test's own: their account (in the public schema) outlives the persona tenants'
    cleanup, so it is deleted afterwards."""
    from accounts.tests.factories import MembershipFactory
    from tenants.models import Tenant

    email = f"nina-{uuid.uuid4().hex[:8]}@example.com"
    MembershipFactory(tenant=Tenant.objects.get(slug="acme"), user__email=email)
    yield email
    User.objects.filter(email=email).delete()


def test_a_member_sets_up_two_factor_and_then_logs_in_with_a_recovery_code(newcomer, visit):
    tab = visit()
    page = tab.page
    tab.log_in("acme.localhost", newcomer)
    tab.click("link", "Settings")
    tab.click("link", "Two-factor sign-in")
    tab.click("button", "Set up two-factor sign-in")
    assert page.locator("figure.qr svg").is_visible()
    secret = page.locator("#two-factor-secret").inner_text()
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    tab.click("button", "Turn on")
    codes = page.get_by_role("list", name="Recovery codes").locator("code").all_inner_texts()
    assert len(codes) == 10

    tab.click("button", "Log out")
    tab.log_in("acme.localhost", newcomer)  # the password alone is no longer enough
    assert page.locator("#id_code_errors").inner_text() == "Required for an account with two-factor sign-in."
    page.get_by_label("Email").fill(newcomer)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Authentication code").fill(codes[0])
    tab.click("button", "Log in")
    assert page.get_by_role("heading", name="Overview").is_visible()
    assert off_the_loop(lambda: User.objects.get(email=newcomer).two_factor_enabled)
