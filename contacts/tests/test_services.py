"""Contact and list services: numbers normalised, duplicates refused, set-based upserts and memberships."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from config.errors import Conflict, DomainError
from contacts import services
from contacts.models import Contact
from contacts.tests.factories import ContactFactory, ContactListFactory

pytestmark = pytest.mark.django_db


def test_create_contact_stores_the_number_in_e164(acme):
    with tenant_context(acme):
        contact = services.create_contact(phone="+1 (415) 555-0101", first_name=" Ann ")
        assert (contact.phone, contact.first_name) == ("+14155550101", "Ann")


@pytest.mark.parametrize(
    "values, field",
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": "+14155550101", "email": "ann@"}, "email"),
        ({"phone": "+14155550101", "timezone": "Nowhere/Else"}, "timezone"),
        ({"phone": "+14155550101", "fields": {"Fav Color": "blue"}}, "fields"),
        ({"phone": "+14155550101", "fields": {"email": "x"}}, "fields"),
    ],
)
def test_invalid_values_are_refused_naming_the_field(acme, values, field):
    with tenant_context(acme), pytest.raises(DomainError) as refused:
        services.create_contact(**values)
    assert list(refused.value.errors) == [field]


def test_a_second_contact_with_the_same_number_is_a_conflict(acme):
    with tenant_context(acme):
        ContactFactory(phone="+14155550101")
        with pytest.raises(Conflict) as refused:
            services.create_contact(phone="+1 415 555 0101")
        assert refused.value.error_code == "contact_exists"


def test_upsert_for_numbers_returns_one_contact_per_distinct_number_in_order_in_two_queries(acme):
    with tenant_context(acme):
        known = ContactFactory(phone="+14155550102", first_name="Known")
        with CaptureQueriesContext(connection) as queries:
            found = services.upsert_contacts_for_numbers(
                ["+1 415 555 0101", "+14155550102", "+14155550101"], source=Contact.Source.API
            )
        assert len([q for q in queries if q["sql"].startswith(("INSERT", "SELECT"))]) == 2
        assert [c.phone for c in found] == ["+14155550101", "+14155550102"]
        assert found[1] == known and found[1].first_name == "Known"
        assert found[0].source == "api"


def test_upsert_for_numbers_refuses_an_invalid_number_naming_its_index(acme):
    with tenant_context(acme), pytest.raises(DomainError) as refused:
        services.upsert_contacts_for_numbers(["+14155550101", "nope"], source=Contact.Source.API)
    assert list(refused.value.errors) == ["numbers.1"]
    with tenant_context(acme):
        assert not Contact.objects.exists()


def test_adding_to_a_list_counts_only_new_members(acme):
    with tenant_context(acme):
        ann, ben = ContactFactory(), ContactFactory()
        leads = ContactListFactory(contacts=[ann])
        assert services.add_to_list(leads, [ann.pk, ben.pk]) == 1
        assert set(leads.contacts.all()) == {ann, ben}


def test_adding_unknown_contact_ids_to_a_list_is_refused_naming_them(acme):
    with tenant_context(acme):
        leads = ContactListFactory()
        with pytest.raises(DomainError) as refused:
            services.add_to_list(leads, [999999])
        assert "999999" in refused.value.errors["contacts"][0]
        assert not leads.contacts.exists()


def test_removing_from_a_list_keeps_the_contacts(acme):
    with tenant_context(acme):
        ann, ben = ContactFactory(), ContactFactory()
        leads = ContactListFactory(contacts=[ann, ben])
        assert services.remove_from_list(leads, [ann.pk, 999999]) == 1
        assert list(leads.contacts.all()) == [ben]
        assert Contact.objects.filter(pk=ann.pk).exists()
