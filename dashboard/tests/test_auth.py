"""Sign-up, log in and out, password reset and invitations: sessions with CSRF over the accounts services."""

import re
import time

import pyotp
import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Invitation, Membership, User
from accounts.services import invite
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def login(client, email, password, **extra):
    return client.post("/login", {"email": email, "password": password, **extra})


def test_a_visitor_of_a_workspace_page_is_sent_to_its_login_page(browser, acme):
    response = browser(tenant=acme).get("/agents")
    assert response.status_code == 302
    assert response["Location"] == "/login?next=%2Fagents"


def test_logging_in_opens_the_page_asked_for(browser, alice, acme, password):
    client = browser(tenant=acme)
    response = login(client, "alice@example.com", password, next="/team")
    assert (response.status_code, response["Location"]) == (302, "/team")
    assert client.get("/team").status_code == 200


def test_a_wrong_password_is_refused_with_the_reason_and_no_session(browser, alice, acme):
    client = browser(tenant=acme)
    response = login(client, "alice@example.com", "wrong")
    assert response.status_code == 400
    assert "Email or password is incorrect." in response.content.decode()
    assert client.get("/").status_code == 302


def test_a_login_without_an_email_names_the_field(browser, acme, password):
    response = login(browser(tenant=acme), "", password)
    assert response.status_code == 400
    assert re.search(r'id="id_email_errors".*This field may not be blank', response.content.decode(), re.S)


def test_logins_are_throttled_after_repeated_failures(browser, alice, acme, password, settings):
    client = browser(tenant=acme)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        login(client, "alice@example.com", "wrong")
    response = login(client, "alice@example.com", password)
    assert response.status_code == 429
    assert client.get("/").status_code == 302


def test_a_next_address_on_another_host_is_ignored(browser, alice, acme, password):
    response = login(browser(tenant=acme), "alice@example.com", password, next="https://evil.example/")
    assert response["Location"] == "/"


def test_a_login_form_without_its_csrf_token_is_refused(browser, alice, acme, password):
    response = login(browser(tenant=acme, csrf=True), "alice@example.com", password)
    assert response.status_code == 403


def test_logging_out_ends_the_session_and_takes_a_post(browser, alice, acme):
    client = browser(alice, acme)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_sign_up_creates_the_workspace_and_sends_to_its_login(browser):
    response = browser().post(
        "/signup",
        {
            "name": "Dana",
            "email": "dana@example.com",
            "password": "Sunny-Harbour-42",
            "company": "Dana Dental",
            "slug": "dana",
            "timezone": "Europe/Paris",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "http://dana.localhost/login?email=dana%40example.com&welcome=1"
    tenant = Tenant.objects.get(slug="dana")
    assert Membership.objects.get(tenant=tenant).user.email == "dana@example.com"


def test_sign_up_with_a_taken_address_names_the_field(browser, acme):
    response = browser().post(
        "/signup",
        {"name": "E", "email": "e@example.com", "password": "Sunny-Harbour-42", "company": "E", "slug": "acme"},
    )
    assert response.status_code == 400
    assert re.search(r'id="id_slug_errors".*Already taken', response.content.decode(), re.S)
    assert not User.objects.filter(email="e@example.com").exists()


def test_sign_up_with_a_registered_address_answers_as_for_a_new_one(browser, alice):
    form = {"name": "A", "password": "Sunny-Harbour-42", "company": "A", "slug": "alice-two"}
    response = browser().post("/signup", {**form, "email": "alice@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "http://alice-two.localhost/login?email=alice%40example.com&welcome=1"
    assert not Tenant.objects.filter(slug="alice-two").exists()


def test_sign_up_with_a_weak_password_names_the_field(browser):
    response = browser().post(
        "/signup", {"name": "E", "email": "e@example.com", "password": "short", "company": "E", "slug": "eee"}
    )
    assert response.status_code == 400
    assert 'id="id_password_errors"' in response.content.decode()


def test_the_platform_host_offers_sign_up_and_a_workspace_host_its_overview(browser, acme):
    assert browser().get("/")["Location"] == "/signup"
    assert browser(tenant=acme).get("/signup")["Location"] == "/"


def test_a_reset_email_links_to_the_dashboards_reset_page_which_sets_the_password(browser, alice, acme):
    assert browser(tenant=acme).post("/password-reset", {"email": "alice@example.com"}).status_code == 200
    # Asked on the tenant's host, the link leads back to it.
    link = re.search(r"http://acme.localhost:8000(/reset-password\?\S+)", mail.outbox[-1].body).group(1)
    client = browser(tenant=acme)
    page = client.get(link)
    uid, token = (
        re.search(rf'name="{name}" value="([^"]+)"', page.content.decode()).group(1) for name in ("uid", "token")
    )
    response = client.post("/reset-password", {"uid": uid, "token": token, "new_password": "Quiet-Meadow-77"})
    assert response.status_code == 200 and "Your password is changed" in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password("Quiet-Meadow-77")


def test_a_reset_request_says_the_same_for_an_unknown_address(browser, acme):
    response = browser(tenant=acme).post("/password-reset", {"email": "nobody@example.com"})
    assert "If nobody@example.com is registered" in response.content.decode()
    assert mail.outbox == []


def test_a_bad_reset_token_is_refused_with_a_way_to_ask_again(browser, alice):
    response = browser().post("/reset-password", {"uid": "MQ", "token": "nope", "new_password": "Quiet-Meadow-77"})
    assert response.status_code == 400
    assert "invalid or expired" in response.content.decode()


@pytest.fixture
def invitation(acme, alice):
    membership = Membership.objects.get(user=alice, tenant=acme)
    return invite(tenant=acme, invited_by=membership, email="newbie@example.com", role="member")


def test_a_new_user_accepts_an_invitation_and_is_sent_to_the_workspace_login(browser, invitation, acme):
    _, token = invitation
    client = browser()
    assert "Join Acme Dental" in client.get(f"/invitations/{token}").content.decode()
    response = client.post(f"/invitations/{token}", {"name": "Newbie", "password": "Quiet-Meadow-77"})
    assert response["Location"] == "http://acme.localhost/login?email=newbie%40example.com"
    assert Membership.objects.get(user__email="newbie@example.com", tenant=acme).role == "member"


def test_a_logged_in_user_accepts_an_invitation_as_themselves(browser, acme, alice, charlie):
    membership = Membership.objects.get(user=alice, tenant=acme)
    _, token = invite(tenant=acme, invited_by=membership, email="charlie@example.com", role="admin")
    response = browser(charlie, acme).post(f"/invitations/{token}")
    assert response["Location"] == "http://acme.localhost/"
    assert Membership.objects.get(user=charlie, tenant=acme).role == "admin"


def test_an_existing_account_is_asked_to_log_in_before_accepting(browser, acme, alice):
    membership = Membership.objects.get(user=alice, tenant=acme)
    _, token = invite(tenant=acme, invited_by=membership, email="charlie@example.com", role="member")
    response = browser().post(f"/invitations/{token}", {"password": "Quiet-Meadow-77"})
    assert response.status_code == 400
    assert (
        "http://acme.localhost/login?email=charlie%40example.com&amp;next=%2Finvitations%2F"
        in response.content.decode()
    )


def test_an_unknown_invitation_is_a_404_page_and_a_revoked_one_a_410(browser, invitation):
    assert browser().get("/invitations/nope").status_code == 404
    Invitation.objects.update(revoked_at=timezone.now())
    response = browser().get(f"/invitations/{invitation[1]}")
    assert response.status_code == 410 and "This invitation is revoked." in response.content.decode()


def turn_on_two_factor(user) -> str:
    """The TOTP secret of `user`, enrolled and confirmed through the accounts services."""
    from accounts import two_factor
    from accounts.services import enable_two_factor

    secret = two_factor.start_enrolment(user).secret
    enable_two_factor(user, code=pyotp.TOTP(secret).now())
    return secret


def test_an_account_with_two_factor_is_asked_for_its_code_and_gets_no_session_without_it(
    browser, alice, acme, password
):
    turn_on_two_factor(alice)
    client = browser(tenant=acme)
    response = login(client, "alice@example.com", password)
    assert response.status_code == 400
    assert "Required for an account with two-factor sign-in." in response.content.decode()
    assert client.get("/").status_code == 302


def test_an_account_with_two_factor_logs_in_with_the_password_and_a_code(browser, alice, acme, password):
    secret = turn_on_two_factor(alice)
    client = browser(tenant=acme)
    # The next step's code: the current one went to the enrolment, and no code is accepted twice.
    response = login(client, "alice@example.com", password, code=pyotp.TOTP(secret).at(time.time() + 30))
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_a_wrong_code_is_refused_and_gives_no_session(browser, alice, acme, password):
    turn_on_two_factor(alice)
    client = browser(tenant=acme)
    assert login(client, "alice@example.com", password, code="000000").status_code in (400, 401, 403)
    assert client.get("/").status_code == 302


def test_a_member_without_two_factor_gets_the_403_page_where_the_tenant_requires_it(browser, mike, acme):
    acme.require_two_factor = True
    acme.save(update_fields=["require_two_factor"])  # a save: the host cache forgets the tenant
    response = browser(mike, acme).get("/")
    assert response.status_code == 403
    assert "requires two-factor sign-in" in response.content.decode()
