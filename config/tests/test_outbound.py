"""Tenant-supplied URLs the platform calls never reach its own network (SSRF): loopback, private, link-local and
other reserved addresses are refused unless the operator allows the host."""

from urllib.parse import urlsplit

import pytest

from config import outbound
from config.outbound import UnsafeURL, check_public_url, public_session


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


# At connect time (public_session) ----------------------------------------------------------------


def port(server) -> int:
    return urlsplit(server.url).port


def test_a_session_refuses_to_connect_to_a_private_address(fake_http):
    with pytest.raises(UnsafeURL, match="private or reserved"), public_session() as session:
        session.get(fake_http.url + "/admin", timeout=2)
    assert fake_http.requests == []


def test_a_session_connects_to_the_address_it_checked_not_to_a_second_answer(fake_http, monkeypatch):
    answers = iter([["93.184.215.14"], ["127.0.0.1"]])
    monkeypatch.setattr(outbound, "resolve", lambda host, port: next(answers))
    check_public_url(f"http://rebind.example:{port(fake_http)}/")
    with pytest.raises(UnsafeURL, match="127.0.0.1"), public_session() as session:
        session.get(f"http://rebind.example:{port(fake_http)}/", timeout=2)
    assert fake_http.requests == []


def test_a_session_reaches_a_host_the_operator_allows_under_its_own_name(fake_http, settings, monkeypatch):
    settings.OUTBOUND_PRIVATE_HOSTS = ["llm.internal"]
    monkeypatch.setattr(outbound, "resolve", lambda host, port: ["127.0.0.1"])
    fake_http.add("GET", "/v1/models", json={"data": []})
    with public_session() as session:
        assert session.get(f"http://llm.internal:{port(fake_http)}/v1/models", timeout=2).status_code == 200
    assert fake_http.requests[0].headers["host"] == f"llm.internal:{port(fake_http)}"


def test_a_session_ignores_proxies_from_the_environment(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    assert public_session().trust_env is False
