import pytest
from django_tenants.utils import tenant_context

from contacts.tests.factories import ContactFactory, ContactListFactory

pytestmark = pytest.mark.django_db


def test_factories_make_distinct_contacts_and_a_list_with_members(acme):
    with tenant_context(acme):
        ann, ben = ContactFactory(), ContactFactory()
        contact_list = ContactListFactory(contacts=[ann, ben])
        assert ann.phone != ben.phone
        assert set(contact_list.contacts.all()) == {ann, ben}
