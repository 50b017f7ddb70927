"""Email verification at sign-up: a signed link is emailed; until it is opened the account can sign in but not place
calls or invite anyone (through the API or an API key of theirs); accepting an invitation verifies the address."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import User
from billing.tests.factories import put_on_plan
from compliance.models import AuditEvent
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

STRONG = "Sup3rSecret!"


def sign_up(api):
    body = {"email": "dana@example.com", "password": STRONG, "name": "Dana", "company": "Dana Co", "slug": "dana-co"}
    response = api().post("/api/auth/register", body, format="json")
    assert response.status_code == 202, response.json()
    return User.objects.get(email="dana@example.com"), Tenant.objects.get(slug="dana-co")


def emailed_token() -> str:
    [message] = [each for each in mail.outbox if each.subject == "Confirm your email address"]
    return re.search(r"token: (\S+)", message.body).group(1)


def verify(api, token):
    return api().post("/api/auth/verify-email", {"token": token}, format="json")


def test_sign_up_emails_a_link_and_the_account_starts_unverified(api):
    user, _ = sign_up(api)
    assert user.email_verified_at is None
    assert "/verify-email?token=" in mail.outbox[-1].body and mail.outbox[-1].to == ["dana@example.com"]


def test_an_unverified_account_signs_in_but_cannot_invite_or_dial(api):
    user, tenant = sign_up(api)
    client = api(user, tenant)
    assert client.get("/api/team/members").status_code == 200
    invited = client.post("/api/team/invite", {"email": "eve@example.com", "role": "member"}, format="json")
    assert (invited.status_code, invited.json()["error_code"]) == (403, "email_unverified")
    dialed = client.post("/api/calls", {"agent": 1, "to": "+14155550123"}, format="json")
    assert (dialed.status_code, dialed.json()["error_code"]) == (403, "email_unverified")


def test_the_link_verifies_the_account_and_lifts_the_limits(api):
    user, tenant = sign_up(api)
    response = verify(api, emailed_token())
    assert response.status_code == 200 and response.json()["email_verified"] is True
    invited = api(user, tenant).post("/api/team/invite", {"email": "eve@example.com", "role": "member"}, format="json")
    assert invited.status_code == 201
    with tenant_context(tenant):
        assert AuditEvent.objects.filter(action="auth.email_verified", actor_id=user.pk).exists()


def test_a_forged_or_expired_link_is_refused(api, settings):
    sign_up(api)
    assert verify(api, "forged").json()["error_code"] == "invalid_verification_token"
    token = emailed_token()
    settings.EMAIL_VERIFICATION_MAX_AGE = timedelta(seconds=-1)
    response = verify(api, token)
    assert (response.status_code, response.json()["errors"]) == (400, {"token": ["Invalid or expired."]})
    assert User.objects.get(email="dana@example.com").email_verified_at is None


def test_a_link_for_an_address_since_changed_is_refused(api):
    user, _ = sign_up(api)
    token = emailed_token()
    User.objects.filter(pk=user.pk).update(email="dana.new@example.com")
    assert verify(api, token).status_code == 400


def test_an_unverified_creators_api_key_cannot_dial(api, make_api_key):
    user, tenant = sign_up(api)
    put_on_plan(tenant)  # one with API access
    _, secret = make_api_key(tenant, user)
    response = api(None, tenant, api_key=secret).post("/api/calls", {"agent": 1, "to": "+14155550123"}, format="json")
    assert (response.status_code, response.json()["error_code"]) == (403, "email_unverified")


def test_the_link_can_be_sent_again(api):
    user, tenant = sign_up(api)
    mail.outbox.clear()
    assert api(user, tenant).post("/api/auth/verify-email/resend").status_code == 204
    assert verify(api, emailed_token()).status_code == 200


def test_accepting_an_invitation_verifies_the_address(api, alice, acme):
    invited = api(alice, acme).post("/api/team/invite", {"email": "fay@example.com", "role": "member"}, format="json")
    token = invited.json()["token"]
    accepted = api().post(f"/api/team/invitations/{token}/accept", {"name": "Fay", "password": STRONG}, format="json")
    assert accepted.status_code == 200, accepted.json()
    assert User.objects.get(email="fay@example.com").email_verified_at <= timezone.now()
