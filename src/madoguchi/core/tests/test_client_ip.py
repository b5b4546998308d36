"""The address written to the audit log and used by the login rate limit, behind a proxy or not."""

from django.test import RequestFactory

from madoguchi.core.audit import client_ip


def _request(xff=None):
    extra = {"REMOTE_ADDR": "10.0.0.2"}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


def test_direct_connection_ignores_forwarded_header(settings):
    settings.TRUSTED_PROXY_HOPS = 0
    assert client_ip(_request("203.0.113.9")) == "10.0.0.2"  # anyone can send the header


def test_behind_one_proxy_takes_the_address_it_saw(settings):
    settings.TRUSTED_PROXY_HOPS = 1
    # The client forged the first entry; the proxy appended the real one.
    assert client_ip(_request("198.51.100.1, 203.0.113.9")) == "203.0.113.9"
    assert client_ip(_request()) == "10.0.0.2"
    assert client_ip(_request("not-an-address")) == "10.0.0.2"


def test_behind_two_proxies(settings):
    settings.TRUSTED_PROXY_HOPS = 2
    assert client_ip(_request("198.51.100.1, 203.0.113.9, 10.0.0.1")) == "203.0.113.9"
    assert client_ip(_request("2001:db8::1")) == "2001:db8::1"
