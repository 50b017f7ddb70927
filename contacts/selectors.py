"""Shared reads of the contacts app; every query runs in the current tenant's schema."""

import re

from django.db.models import Count, Q, Value
from django.db.models.functions import Concat

from config.errors import NotFound
from contacts.models import Contact, ContactImport, ContactList


def contacts():
    return Contact.objects.all()


def filter_contacts(*, contact_list_id=None, tag=None, search=None):
    """Contacts of a list, with a tag, and/or matching a search on name, email, company or phone digits."""
    queryset = contacts()
    if contact_list_id is not None:
        queryset = queryset.filter(memberships__contact_list_id=contact_list_id)
    if tag:
        queryset = queryset.filter(tags__contains=[tag])
    if search := (search or "").strip():
        match = Q(full_name__icontains=search) | Q(email__icontains=search) | Q(company__icontains=search)
        digits = re.sub(r"\D", "", search)
        if len(digits) >= 3:  # "(415) 555" finds +1415555…
            match |= Q(phone__contains=digits)
        queryset = queryset.annotate(full_name=Concat("first_name", Value(" "), "last_name")).filter(match)
    return queryset


def get_contact(contact_id) -> Contact:
    found = contacts().filter(pk=contact_id).first()
    if found is None:
        raise NotFound("No such contact.")
    return found


def contact_lists():
    return ContactList.objects.annotate(contact_count=Count("memberships")).order_by("name", "id")


def get_contact_list(list_id) -> ContactList:
    found = contact_lists().filter(pk=list_id).first()
    if found is None:
        raise NotFound("No such contact list.")
    return found


def contact_imports():
    return ContactImport.objects.select_related("contact_list")


def get_contact_import(import_id) -> ContactImport:
    found = contact_imports().filter(pk=import_id).first()
    if found is None:
        raise NotFound("No such import.")
    return found
