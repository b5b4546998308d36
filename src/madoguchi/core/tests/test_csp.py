"""The CSP header built once (core/csp.py) is django-csp's header, and follows the settings."""

import pytest
from csp.middleware import CSPMiddleware as LibraryCSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from madoguchi.core.csp import CSPMiddleware


def _both(path="/", response=None, **request_attrs):
    out = []
    for middleware in (CSPMiddleware(lambda r: None), LibraryCSPMiddleware(lambda r: None)):
        request = RequestFactory().get(path)
        middleware.process_request(request)
        for name, value in request_attrs.items():
            setattr(request, name, value)
        answer = response() if response else HttpResponse("ok")
        out.append(middleware.process_response(request, answer))
    return out


def _headers(response):
    return {k: v for k, v in response.items() if k.startswith("Content-Security-Policy")}


def test_the_header_is_the_librarys_and_follows_a_changed_setting(settings):
    ours, theirs = _both()
    assert _headers(ours) == _headers(theirs) and "default-src 'self'" in ours["Content-Security-Policy"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}, "EXCLUDE_URL_PREFIXES": ["/skip/"]}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"img-src": ["'self'"]}}
    ours, theirs = _both()
    assert _headers(ours) == _headers(theirs) and ours["Content-Security-Policy"] == "default-src 'none'"
    assert "img-src 'self'" in ours["Content-Security-Policy-Report-Only"]
    ours, theirs = _both("/skip/page")
    assert _headers(ours) == _headers(theirs) and "Content-Security-Policy" not in ours


@pytest.mark.parametrize("mark", ["_csp_update", "_csp_replace", "_csp_config"])
def test_a_response_with_its_own_policy_goes_through_the_library(mark):
    def response():
        answer = HttpResponse("ok")
        setattr(answer, mark, {"img-src": ["https://example.jp"]})
        return answer

    ours, theirs = _both(response=response)
    assert _headers(ours) == _headers(theirs) and "https://example.jp" in ours["Content-Security-Policy"]


def test_an_exempt_response_or_a_nonce_is_the_librarys_too():
    def exempt():
        answer = HttpResponse("ok")
        answer._csp_exempt = True
        return answer

    ours, theirs = _both(response=exempt)
    assert "Content-Security-Policy" not in ours and _headers(ours) == _headers(theirs)
    ours, theirs = _both(_csp_nonce="abc123")  # a template used a nonce: the library builds it
    assert _headers(ours) == _headers(theirs)
