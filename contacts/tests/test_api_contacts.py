"""/api/contacts and /api/contact-lists: CRUD, filters, roles, API key scopes and tenant isolation."""

import pytest
from django_tenants.utils import tenant_context

from contacts.models import Contact
from contacts.tests.factories import ContactFactory, ContactListFactory

pytestmark = pytest.mark.django_db

CONTACTS = "/api/contacts"
LISTS = "/api/contact-lists"


@pytest.fixture
def ann(acme):
    with tenant_context(acme):
        return ContactFactory(
            phone="+14155550101",
            first_name="Ann",
            last_name="Lee",
            email="ann@lee.example",
            company="Acme",
            tags=["vip"],
            fields={"plan": "gold"},
        )


@pytest.fixture
def ben(acme):
    with tenant_context(acme):
        return ContactFactory(phone="+442079460958", first_name="Ben", last_name="Ng", email="ben@ng.example")


# Contacts CRUD ------------------------------------------------------------------------------


def test_creating_a_contact_normalises_the_number_and_returns_it(api, mike, acme):
    response = api(mike, acme).post(
        CONTACTS,
        {"phone": "+1 (415) 555-0101", "first_name": "Ann", "fields": {"plan": "gold"}, "tags": ["vip"]},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["phone"], body["name"], body["fields"], body["tags"], body["source"]) == (
        "+14155550101",
        "Ann",
        {"plan": "gold"},
        ["vip"],
        "manual",
    )


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "phone"),
        ({"phone": "555"}, "phone"),
        ({"phone": "+14155550101", "email": "nope"}, "email"),
        ({"phone": "+14155550101", "timezone": "Moon/Base"}, "timezone"),
        ({"phone": "+14155550101", "fields": {"Has Space": 1}}, "fields"),
        ({"phone": "+14155550101", "tags": "vip"}, "tags"),
    ],
)
def test_bad_contact_input_is_400_naming_the_field(api, alice, acme, payload, field):
    response = api(alice, acme).post(CONTACTS, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_duplicate_number_is_409(api, alice, acme, ann):
    response = api(alice, acme).post(CONTACTS, {"phone": "+1 415 555 0101"}, format="json")
    assert (response.status_code, response.json()["error_code"]) == (409, "contact_exists")


def test_get_patch_and_delete_a_contact(api, alice, acme, ann):
    client = api(alice, acme)
    assert client.get(f"{CONTACTS}/{ann.pk}").json()["fields"] == {"plan": "gold"}
    response = client.patch(f"{CONTACTS}/{ann.pk}", {"company": "Globex", "fields": {"plan": "silver"}}, format="json")
    assert response.status_code == 200
    assert (response.json()["company"], response.json()["fields"], response.json()["phone"]) == (
        "Globex",
        {"plan": "silver"},
        ann.phone,
    )
    assert client.delete(f"{CONTACTS}/{ann.pk}").status_code == 204
    assert client.get(f"{CONTACTS}/{ann.pk}").status_code == 404


def test_changing_the_number_to_another_contacts_is_409(api, alice, acme, ann, ben):
    response = api(alice, acme).patch(f"{CONTACTS}/{ben.pk}", {"phone": ann.phone}, format="json")
    assert response.status_code == 409


def test_unknown_contact_is_404(api, alice, acme):
    assert api(alice, acme).get(f"{CONTACTS}/999999").status_code == 404


# Filters ------------------------------------------------------------------------------------


def phones(response):
    assert response.status_code == 200, response.json()
    return {contact["phone"] for contact in response.json()["results"]}


def test_contacts_are_filtered_by_list(api, alice, acme, ann, ben):
    with tenant_context(acme):
        leads = ContactListFactory(contacts=[ben])
    assert phones(api(alice, acme).get(CONTACTS, {"list": leads.pk})) == {ben.phone}


def test_contacts_are_filtered_by_tag(api, alice, acme, ann, ben):
    assert phones(api(alice, acme).get(CONTACTS, {"tag": "vip"})) == {ann.phone}


@pytest.mark.parametrize(
    "search, expected", [("ann lee", "ann"), ("NG", "ben"), ("ann@lee", "ann"), ("(415) 555", "ann"), ("7946", "ben")]
)
def test_contacts_are_searched_by_name_email_and_phone(api, alice, acme, ann, ben, search, expected):
    assert phones(api(alice, acme).get(CONTACTS, {"search": search})) == {{"ann": ann, "ben": ben}[expected].phone}


def test_a_bad_filter_is_400_naming_it(api, alice, acme):
    response = api(alice, acme).get(CONTACTS, {"list": "abc"})
    assert response.status_code == 400 and "list" in response.json()["errors"]


def test_contacts_are_paginated(api, alice, acme):
    with tenant_context(acme):
        ContactFactory.create_batch(3)
    body = api(alice, acme).get(CONTACTS, {"per_page": 2}).json()
    assert (body["count"], len(body["results"])) == (3, 2) and body["next"]


# Contact lists ------------------------------------------------------------------------------


def test_contact_list_crud(api, alice, acme):
    client = api(alice, acme)
    created = client.post(LISTS, {"name": "Spring leads", "description": "From the fair"}, format="json")
    assert created.status_code == 201 and created.json()["contact_count"] == 0
    list_id = created.json()["id"]
    assert client.patch(f"{LISTS}/{list_id}", {"name": "Fair leads"}, format="json").json()["name"] == "Fair leads"
    assert [item["name"] for item in client.get(LISTS).json()["results"]] == ["Fair leads"]
    assert client.delete(f"{LISTS}/{list_id}").status_code == 204
    assert client.get(f"{LISTS}/{list_id}").status_code == 404


def test_a_duplicate_list_name_is_409_naming_it(api, alice, acme):
    with tenant_context(acme):
        ContactListFactory(name="Leads")
    response = api(alice, acme).post(LISTS, {"name": "Leads"}, format="json")
    assert response.status_code == 409 and "name" in response.json()["errors"]


def test_a_list_without_a_name_is_400(api, alice, acme):
    response = api(alice, acme).post(LISTS, {"description": "x"}, format="json")
    assert response.status_code == 400 and "name" in response.json()["errors"]


def test_adding_and_removing_list_members_by_id(api, alice, acme, ann, ben):
    with tenant_context(acme):
        leads = ContactListFactory()
    client = api(alice, acme)
    members = f"{LISTS}/{leads.pk}/contacts"
    assert client.post(members, {"contacts": [ann.pk, ben.pk]}, format="json").json() == {"added": 2}
    assert client.get(f"{LISTS}/{leads.pk}").json()["contact_count"] == 2
    assert client.delete(members, {"contacts": [ann.pk]}, format="json").json() == {"removed": 1}
    assert phones(client.get(CONTACTS, {"list": leads.pk})) == {ben.phone}
    with tenant_context(acme):
        assert Contact.objects.filter(pk=ann.pk).exists()


def test_adding_unknown_ids_is_400_naming_contacts(api, alice, acme, ann):
    with tenant_context(acme):
        leads = ContactListFactory()
    response = api(alice, acme).post(f"{LISTS}/{leads.pk}/contacts", {"contacts": [ann.pk, 999999]}, format="json")
    assert response.status_code == 400 and "contacts" in response.json()["errors"]


def test_members_of_an_unknown_list_is_404(api, alice, acme, ann):
    response = api(alice, acme).post(f"{LISTS}/999999/contacts", {"contacts": [ann.pk]}, format="json")
    assert response.status_code == 404


# Access -------------------------------------------------------------------------------------


def test_anonymous_requests_are_401(api, acme):
    assert api(None, acme).get(CONTACTS).status_code == 401


def test_someone_outside_the_tenant_is_403(api, charlie, acme):
    assert api(charlie, acme).get(CONTACTS).status_code == 403


def test_acme_contacts_and_lists_are_invisible_on_globex(api, bob, globex, acme, ann):
    with tenant_context(acme):
        leads = ContactListFactory(contacts=[ann])
    client = api(bob, globex)
    assert client.get(CONTACTS).json()["count"] == 0
    assert client.get(f"{CONTACTS}/{ann.pk}").status_code == 404
    assert client.patch(f"{CONTACTS}/{ann.pk}", {"company": "x"}, format="json").status_code == 404
    assert client.get(LISTS).json()["count"] == 0
    assert client.post(f"{LISTS}/{leads.pk}/contacts", {"contacts": [ann.pk]}, format="json").status_code == 404


def test_bob_cannot_reach_acme_contacts_through_acmes_host(api, bob, acme, ann):
    assert api(bob, acme).get(f"{CONTACTS}/{ann.pk}").status_code == 403


def test_a_read_only_api_key_lists_but_cannot_create(api, make_api_key, alice, acme, ann):
    _, secret = make_api_key(acme, alice, scopes=["read"])
    client = api(api_key=secret, tenant=acme)
    assert client.get(CONTACTS).json()["count"] == 1
    response = client.post(CONTACTS, {"phone": "+14155550199"}, format="json")
    assert (response.status_code, response.json()["error_code"]) == (403, "missing_scope")


def test_a_write_api_key_creates_contacts(api, make_api_key, alice, acme):
    _, secret = make_api_key(acme, alice, scopes=["read", "write"])
    assert api(api_key=secret, tenant=acme).post(CONTACTS, {"phone": "+14155550199"}, format="json").status_code == 201
