"""The admin shows a tenant's contacts on its own host only, with numbers kept in E.164."""

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from contacts import services
from contacts.models import Contact
from contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def browser(user, host):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return client


def test_the_owner_sees_contacts_and_imports_on_the_tenant_host(alice, acme):
    with tenant_context(acme):
        ContactFactory(first_name="Annabel")
        services.import_contacts(b"phone\n+14155550199\n", file_name="spring.csv")
    client = browser(alice, "acme.localhost")
    assert b"Annabel" in client.get("/admin/contacts/contact/").content
    assert b"spring.csv" in client.get("/admin/contacts/contactimport/").content


def test_a_contact_added_in_the_admin_gets_an_e164_number(alice, acme):
    response = browser(alice, "acme.localhost").post(
        "/admin/contacts/contact/add/",
        {
            "phone": "+1 (415) 555-0101",
            "fields": "{}",
            "tags": "",
            "source": "manual",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    with tenant_context(acme):
        assert Contact.objects.get().phone == "+14155550101"


def test_staff_of_another_tenant_is_sent_to_login(bob, acme):
    response = browser(bob, "acme.localhost").get("/admin/contacts/contact/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
