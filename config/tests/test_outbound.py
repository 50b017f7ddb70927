"""Tenant-supplied URLs the platform calls never reach its own network (SSRF): loopback, private, link-local and
other reserved addresses are refused unless the operator allows the host."""

import pytest

from config.outbound import UnsafeURL, check_public_url


@pytest.fixture(autouse=True)
def no_allowed_private_hosts(settings):
    settings.OUTBOUND_PRIVATE_HOSTS = []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/admin",
        "http://localhost/",
        "https://10.1.2.3/hook",
        "http://192.168.0.10/",
        "http://172.16.5.4/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[fd00::1]/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
    ],
)
def test_private_loopback_and_reserved_addresses_are_refused(url):
    with pytest.raises(UnsafeURL, match="private or reserved"):
        check_public_url(url)


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "gopher://x/", "https://", "not a url"])
def test_only_http_urls_with_a_host_are_accepted(url):
    with pytest.raises(UnsafeURL, match="http"):
        check_public_url(url)


def test_a_public_address_passes():
    check_public_url("https://8.8.8.8/v1")


def test_a_host_the_operator_allows_passes_though_private(settings):
    settings.OUTBOUND_PRIVATE_HOSTS = ["LLM.internal", "127.0.0.1"]
    check_public_url("http://127.0.0.1:11434/v1")
    check_public_url("http://llm.internal/v1")


def test_a_host_that_does_not_resolve_passes_since_the_request_reaches_nothing():
    check_public_url("https://no-such-host.invalid/v1")
