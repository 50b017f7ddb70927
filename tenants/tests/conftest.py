import pytest

from tenants.tests.dns_fake import FakeDns


@pytest.fixture
def fake_dns(settings):
    """A DNS server of the test's own, the one the domain verification asks."""
    server = FakeDns()
    settings.DOMAIN_VERIFICATION_NAMESERVERS = [server.address]
    yield server
    server.close()
