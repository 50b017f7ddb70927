"""Test data for the contacts app (make it inside `tenant_context`)."""

import factory

from contacts.models import Contact, ContactList


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    phone = factory.Sequence(lambda n: f"+1415555{n % 10000:04d}")
    first_name = "Ann"
    last_name = factory.Sequence(lambda n: f"Lee{n}")
    email = factory.LazyAttribute(lambda contact: f"{contact.last_name.lower()}@example.com")


class ContactListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactList
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"List {n}")

    @factory.post_generation
    def contacts(self, create, extracted, **kwargs):
        """`ContactListFactory(contacts=[...])` adds those contacts as members."""
        if create and extracted:
            self.contacts.add(*extracted)
