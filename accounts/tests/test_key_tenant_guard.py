"""An API key acts in its own tenant only, even for a user who is a member of another tenant as well.

The key's tenant check is the only thing standing between such a user's acme key and globex's data: the
membership check lets them in, so a 403 alone would not show which rule refused. Hence the `error_code`.
"""

import pytest
from django_tenants.utils import tenant_context

from accounts.models import Membership
from accounts.tests.factories import UserFactory
from contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

GLOBEX_PHONE = "+14155550199"


@pytest.fixture
def dana(acme, globex):
    """A consultant who works for both acme and globex."""
    user = UserFactory(email="dana@example.com", name="Dana")
    Membership.objects.create(user=user, tenant=acme, role="admin")
    Membership.objects.create(user=user, tenant=globex, role="admin")
    return user


@pytest.fixture
def acme_key(dana, acme, make_api_key):
    _, secret = make_api_key(acme, dana)
    return secret


@pytest.fixture
def globex_contact(globex):
    with tenant_context(globex):
        return ContactFactory(phone=GLOBEX_PHONE)


def refused_as_wrong_tenant(response) -> bool:
    return response.status_code == 403 and response.json()["error_code"] == "wrong_tenant"


def test_the_key_works_in_its_own_tenant(api, acme, acme_key):
    response = api(api_key=acme_key, tenant=acme).get("/api/tenant")
    assert (response.status_code, response.json()["slug"]) == (200, "acme")


def test_the_user_reaches_the_other_tenant_with_a_login(api, dana, globex, globex_contact):
    """The membership is real: what refuses the key below is the key's tenant, not the membership."""
    response = api(dana, globex).get("/api/contacts")
    assert response.status_code == 200 and GLOBEX_PHONE in response.content.decode()


def test_a_members_acme_key_on_globex_host_reads_nothing_of_globex(api, globex, acme_key, globex_contact):
    response = api(api_key=acme_key, tenant=globex).get("/api/contacts")
    assert refused_as_wrong_tenant(response)
    assert GLOBEX_PHONE not in response.content.decode()


def test_a_members_acme_key_with_x_tenant_globex_reads_nothing_of_globex(api, acme_key, globex_contact):
    response = api(api_key=acme_key, headers={"X-Tenant": "globex"}).get("/api/contacts")
    assert refused_as_wrong_tenant(response)
    assert GLOBEX_PHONE not in response.content.decode()


def test_a_members_acme_key_on_globex_host_changes_nothing_of_globex(api, globex, acme_key):
    response = api(api_key=acme_key, tenant=globex).patch("/api/tenant", {"name": "Hijacked"}, format="json")
    assert refused_as_wrong_tenant(response)
    globex.refresh_from_db()
    assert globex.name == "Globex Realty"


def test_a_members_acme_key_with_x_tenant_globex_changes_nothing_of_globex(api, globex, acme_key):
    response = api(api_key=acme_key, headers={"X-Tenant": "globex"}).patch(
        "/api/tenant", {"name": "Hijacked"}, format="json"
    )
    assert refused_as_wrong_tenant(response)
    globex.refresh_from_db()
    assert globex.name == "Globex Realty"
