import pytest
from django_tenants.utils import tenant_context

from tenants.models import Tenant
from webhooks.services import endpoints


@pytest.fixture
def make_endpoint():
    """`make_endpoint(url, event_types=...)`: an endpoint of acme's (or `tenant`'s), its secret readable."""

    def make(url, event_types=("call.finished",), tenant=None, **fields):
        with tenant_context(tenant or Tenant.objects.get(slug="acme")):
            return endpoints.create_endpoint(url=url, event_types=list(event_types), **fields)

    return make
