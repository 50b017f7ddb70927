import pytest


@pytest.fixture(autouse=True)
def _calling_hours_all_day(request):
    """These tests dial at whatever hour they run: the persona tenants allow calls all day here, and the
    default 08:00–21:00 window is tested in compliance."""
    if request.node.get_closest_marker("django_db") is None:
        return
    from compliance.tests.factories import allow_calling_all_day
    from tenants.models import Tenant

    allow_calling_all_day(*Tenant.objects.filter(slug__in=["acme", "globex"]))
