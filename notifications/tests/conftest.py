import pytest
from django.db import transaction
from django_tenants.utils import tenant_context

from config.events import publish


@pytest.fixture
def published(django_capture_on_commit_callbacks):
    """`published(tenant, event_type, data)`: the event, published in a committed change of the tenant's."""

    def publish_in(tenant, event_type, data):
        with django_capture_on_commit_callbacks(execute=True), tenant_context(tenant), transaction.atomic():
            return publish(event_type, data)

    return publish_in
