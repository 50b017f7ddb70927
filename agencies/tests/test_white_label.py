"""White-label: a client's users and contacts see the agency's brand on the client's own domain, and never the
platform's name — every dashboard page a client user can open, and every email they or their contacts get."""

import hashlib
import io
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import get_resolver
from django_tenants.utils import tenant_context

from accounts.models import Membership
from agents.tests.factories import AgentFactory
from calls.tests.factories import (
    CallFactory,
    PhoneNumberFactory,
    TwilioAccountFactory,
    call_sid,
    post_webhook,
    voice_params,
    webhook_path,
)
from config.events import publish
from scheduling.models import AttendeeMessage
from scheduling.services import appointments, confirmations, reminders
from scheduling.tests.conftest import at, make_calendar, next_weekday
from tenants.models import Tenant
from tenants.services import add_custom_domain, set_logo, update_tenant, verification_record, verify_domain
from tenants.tests.images import image

pytestmark = pytest.mark.django_db

HOST = "app.smiledental.example"
LOGO = image("PNG")
LOGO_PATH = f"/brand/logo/{hashlib.sha256(LOGO).hexdigest()}"
BRAND = {
    "product_name": "BrightDesk",
    "primary_colour": "#0a7d5a",
    "support_email": "help@brightdesk.example",
    "sender_name": "BrightDesk Support",
}


@pytest.fixture
def branded(acme_agency, smile, charlie, fake_dns):
    """Acme branded as BrightDesk; its client Smile on its own verified domain; Charlie is Smile's own owner."""
    update_tenant(acme_agency, **BRAND)
    set_logo(acme_agency, io.BytesIO(LOGO))
    domain = add_custom_domain(smile, HOST)
    fake_dns.publish(verification_record(domain)["name"], domain.verification_token)
    assert verify_domain(domain)
    Membership.objects.create(user=charlie, tenant=smile, role="owner")
    smile.refresh_from_db()
    return smile


def no_platform_name(text: str) -> bool:
    return settings.PLATFORM_NAME.lower() not in text.lower()


def page_paths(client_tenant):
    """Every dashboard page a client user may open: the pages without parameters, and a call's detail."""
    with tenant_context(client_tenant):
        call = CallFactory()
    resolver = get_resolver()
    paths = [f"/calls/{call.pk}"]
    for pattern in resolver.url_patterns:
        if getattr(pattern, "namespace", None) != "dashboard":
            continue
        for page in pattern.url_patterns:
            route = str(page.pattern)
            if "<" not in route and route not in {"logout", "socket-token", "signup", "brand.css"}:
                paths.append("/" + route)
    return paths


def test_every_page_a_client_user_sees_carries_the_agencys_brand_not_the_platforms(branded, charlie):
    browser = Client(HTTP_HOST=HOST)
    browser.force_login(charlie)
    paths = page_paths(branded)
    assert len(paths) > 15
    for path in paths:
        response = browser.get(path, follow=True)
        if response.status_code == 405:
            continue  # a form's target (POST only), no page
        assert response.status_code in (200, 404), (path, response.status_code)  # 404: the agency-only page
        page = response.content.decode()
        assert no_platform_name(page), path
        assert "<title>" in page and "BrightDesk</title>" in page, path
        assert f'src="{LOGO_PATH}"' in page, path
    css = browser.get("/brand.css")
    assert css.content.decode() == ":root { --accent: #0a7d5a; }\n"
    logo = browser.get(LOGO_PATH)
    assert (logo.status_code, logo["Content-Type"], logo.content) == (200, "image/png", LOGO)


def test_the_pages_before_login_carry_the_brand_too(branded):
    for path in ("/login", "/password-reset", "/reset-password?uid=x&token=y", "/invitations/unknown"):
        page = Client(HTTP_HOST=HOST).get(path).content.decode()
        assert no_platform_name(page) and "BrightDesk" in page, path


def assert_branded(message):
    text = f"{message.subject}\n{message.body}\n{message.from_email}"
    assert no_platform_name(text), text
    assert message.from_email == f"BrightDesk Support <{settings.DEFAULT_FROM_EMAIL}>"
    assert message.reply_to == ["help@brightdesk.example"]
    for link in re.findall(r"https?://[^\s]+", message.body):
        assert link.split("/")[2].split(":")[0] == HOST, link


def test_an_invitation_to_a_client_comes_in_the_agencys_brand_with_a_link_on_the_clients_domain(
    api, branded, charlie, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(charlie, branded).post(
            "/api/team/invite", {"email": "dana@smile.example", "role": "member"}, format="json"
        )
    assert response.status_code == 201, response.json()
    (message,) = mail.outbox
    assert_branded(message)
    assert "BrightDesk" in message.subject and f"//{HOST}" in message.body


def test_a_password_reset_asked_on_the_clients_domain_comes_in_the_agencys_brand(branded, charlie):
    Client(HTTP_HOST=HOST).post("/password-reset", {"email": charlie.email})
    (message,) = mail.outbox
    assert_branded(message)
    assert "/reset-password?uid=" in message.body


def test_an_appointment_reminder_to_a_clients_contact_comes_in_the_agencys_brand(branded):
    with tenant_context(branded):
        calendar = make_calendar()
        booked = appointments.book(
            calendar, start=at(next_weekday(0), 10), title="Check-up", contact_email="pat@example.com"
        )
        sent = reminders.send_due(now=booked.start - timedelta(minutes=30))
    assert sent >= 1
    assert_branded(mail.outbox[0])


def test_the_platforms_own_pages_keep_its_name(db):
    page = Client(HTTP_HOST=settings.BASE_DOMAIN).get("/signup").content.decode()
    assert settings.PLATFORM_NAME in page


def test_a_direct_tenant_shows_its_own_name(bob, globex):
    browser = Client(HTTP_HOST=f"globex.{settings.BASE_DOMAIN}")
    browser.force_login(bob)
    assert "· Globex Realty</title>" in browser.get("/").content.decode()


def test_a_shared_call_link_is_on_the_clients_domain_and_shows_the_agencys_brand(api, branded, charlie):
    with tenant_context(branded):
        call = CallFactory()
    created = api(charlie, branded).post(f"/api/calls/{call.pk}/share", {"expires_in_hours": 24}, format="json").json()
    assert created["url"].startswith(f"http://{HOST}:8000/api/shared/calls/")
    response = Client(HTTP_HOST=HOST).get(created["url"].split(":8000", 1)[1])
    assert response.json()["brand"] == {
        "name": "BrightDesk",
        "logo_url": f"http://{HOST}:8000{LOGO_PATH}",
        "primary_colour": "#0a7d5a",
        "support_email": "help@brightdesk.example",
    }
    assert no_platform_name(response.content.decode())


@pytest.mark.parametrize("state", ["no_agent", "suspended"])
def test_the_twiml_a_clients_callers_hear_never_names_the_platform(api, alice, acme_agency, branded, state):
    with tenant_context(branded):
        TwilioAccountFactory()
        PhoneNumberFactory(number="+14155550100", agent=None if state == "no_agent" else AgentFactory())
    if state == "suspended":
        api(alice, acme_agency).patch(f"/api/agency/clients/{branded.pk}", {"status": "suspended"}, format="json")
    params = voice_params(call_sid(), to="+14155550100")
    body = post_webhook(Client(), webhook_path(branded, "voice"), params).content.decode()
    assert "<Say" in body and "<Hangup />" in body and no_platform_name(body)


def test_a_client_users_notification_emails_carry_the_agencys_brand(
    branded, charlie, notification_emails, django_capture_on_commit_callbacks
):
    finished = {"campaign_id": 3, "name": "Spring recall", "status": "completed", "stats": {}}
    with django_capture_on_commit_callbacks(execute=True), tenant_context(branded), transaction.atomic():
        publish("campaign.completed", finished)
    [message] = [m for m in notification_emails if m.to == [charlie.email]]
    assert_branded(message)
    [(html, _)] = message.alternatives
    assert no_platform_name(html) and "BrightDesk" in html
    assert f'<img src="http://{HOST}:8000{LOGO_PATH}"' in html  # the agency's logo, from the client's own host


# Whose address the emails come from -----------------------------------------------------------------------------

AGENCY_HOST = "app.brightdesk.example"


def invitation(api, tenant, user):
    response = api(user, tenant).post("/api/team/invite", {"email": "dana@smile.example", "role": "member"})
    assert response.status_code == 201, response.json()


def password_reset(api, tenant, user):
    Client(HTTP_HOST=HOST).post("/password-reset", {"email": user.email})


def reminder(api, tenant, user):
    with tenant_context(tenant):
        booked = appointments.book(
            make_calendar(), start=at(next_weekday(0), 10), title="Check-up", contact_email="pat@example.com"
        )
        AttendeeMessage.objects.all().delete()
        assert reminders.send_due(now=booked.start - timedelta(minutes=30)) >= 1


def confirmation(api, tenant, user):
    with tenant_context(tenant):
        appointments.book(make_calendar(), start=at(next_weekday(0), 10), title="Check-up", contact_email="p@x.com")
        [message_id] = AttendeeMessage.objects.filter(channel="email").values_list("pk", flat=True)
        assert confirmations.send(message_id)


def notification(api, tenant, user):
    finished = {"campaign_id": 3, "name": "Spring recall", "status": "completed", "stats": {}}
    with tenant_context(tenant), transaction.atomic():
        publish("campaign.completed", finished)


EMAILS = [invitation, password_reset, reminder, confirmation, notification]


def sent(kind, api, tenant, user, capture):
    with capture(execute=True):
        kind(api, tenant, user)
    return mail.outbox


@pytest.mark.parametrize("kind", EMAILS, ids=lambda kind: kind.__name__)
def test_a_clients_emails_come_from_the_agencys_support_address_once_its_domain_is_verified(
    kind, api, acme_agency, branded, charlie, fake_dns, notification_emails, django_capture_on_commit_callbacks
):
    domain = add_custom_domain(acme_agency, AGENCY_HOST)
    fake_dns.publish(verification_record(domain)["name"], domain.verification_token)
    assert verify_domain(domain)
    [message, *_] = sent(kind, api, branded, charlie, django_capture_on_commit_callbacks)
    assert message.from_email == "BrightDesk Support <help@brightdesk.example>"
    assert message.reply_to == ["help@brightdesk.example"]
    assert no_platform_name(f"{message.subject}\n{message.body}")


@pytest.mark.parametrize("kind", EMAILS, ids=lambda kind: kind.__name__)
def test_until_the_agencys_domain_is_verified_a_clients_emails_come_from_the_platforms_address_in_its_name(
    kind, api, acme_agency, branded, charlie, notification_emails, django_capture_on_commit_callbacks
):
    add_custom_domain(acme_agency, AGENCY_HOST)  # pending: no TXT record found yet
    [message, *_] = sent(kind, api, branded, charlie, django_capture_on_commit_callbacks)
    assert message.from_email == f"BrightDesk Support <{settings.DEFAULT_FROM_EMAIL}>"
    assert message.reply_to == ["help@brightdesk.example"]


def test_a_support_address_on_a_domain_nobody_verified_is_never_the_sender(branded, acme_agency, charlie):
    """Smile's verified domain is app.smiledental.example; a support address on another domain stays a Reply-To."""
    update_tenant(branded, support_email="desk@smiledental.example.org")
    Client(HTTP_HOST=HOST).post("/password-reset", {"email": charlie.email})
    (message,) = mail.outbox
    assert message.from_email == f"BrightDesk Support <{settings.DEFAULT_FROM_EMAIL}>"
    assert message.reply_to == ["desk@smiledental.example.org"]


def test_a_clients_own_support_address_on_its_verified_domain_is_its_sender(branded, charlie):
    update_tenant(branded, support_email="front@app.smiledental.example")
    Client(HTTP_HOST=HOST).post("/password-reset", {"email": charlie.email})
    (message,) = mail.outbox
    assert message.from_email == "BrightDesk Support <front@app.smiledental.example>"


# The acceptance, end to end --------------------------------------------------------------------------------------


def test_an_agency_creates_a_client_whose_pages_and_emails_wear_its_brand_and_no_other_agency_sees_it(
    api, acme_agency, alice, globex_agency, bob, fake_dns, django_capture_on_commit_callbacks
):
    update_tenant(acme_agency, **BRAND)
    set_logo(acme_agency, io.BytesIO(LOGO))
    agency_domain = add_custom_domain(acme_agency, AGENCY_HOST)
    fake_dns.publish(verification_record(agency_domain)["name"], agency_domain.verification_token)
    assert verify_domain(agency_domain)
    created = api(alice, acme_agency).post("/api/agency/clients", {"name": "Bright Smiles", "slug": "bright-smiles"})
    assert created.status_code == 201, created.json()
    client = Tenant.objects.get(pk=created.json()["id"])
    domain = add_custom_domain(client, HOST)
    fake_dns.publish(verification_record(domain)["name"], domain.verification_token)
    assert verify_domain(domain)

    browser = Client(HTTP_HOST=HOST)
    browser.force_login(alice)  # the agency's owners own the client
    for path in page_paths(client):
        response = browser.get(path, follow=True)
        if response.status_code == 405:
            continue
        page = response.content.decode()
        assert no_platform_name(page) and "BrightDesk</title>" in page and f'src="{LOGO_PATH}"' in page, path
    with django_capture_on_commit_callbacks(execute=True):
        api(alice, client).post("/api/team/invite", {"email": "dana@bright.example", "role": "member"})
    Client(HTTP_HOST=HOST).post("/password-reset", {"email": alice.email})
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert no_platform_name(f"{message.subject}\n{message.body}\n{message.from_email}")
        assert message.from_email == "BrightDesk Support <help@brightdesk.example>"
        assert all(link.split("/")[2].split(":")[0] == HOST for link in re.findall(r"https?://[^\s]+", message.body))

    assert client.pk not in [row["id"] for row in api(bob, globex_agency).get("/api/agency/clients").json()["results"]]
    assert api(bob, globex_agency).get(f"/api/agency/clients/{client.pk}").status_code == 404
    assert api(bob, globex_agency).get(f"/api/agency/clients/{client.pk}/stats").status_code == 404
