"""The Content-Security-Policy header, built once (django-csp's middleware builds it for every
response: copying the policy and joining it cost ~0.1 ms of each request, a tenth of the
lightest signed-in API answer).

The header depends only on the settings unless a view asks for its own (django-csp's
``@csp_update``/``@csp_replace``/``@csp``/``@csp_exempt`` mark the response) or a template used
a nonce; those responses go through django-csp's own code, unchanged. The built headers are
kept with the settings object they came from, so a changed setting (tests) builds them again."""

from __future__ import annotations

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as LibraryCSPMiddleware
from csp.utils import build_policy
from django.conf import settings

# What django-csp's decorators set on a response to change or drop its policy.
_PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt", "_csp_exempt_ro")
_built: dict[bool, tuple[object, str]] = {}


def _header(setting: str, report_only: bool) -> tuple[str, tuple[str, ...]]:
    """The header's value for the current settings and its excluded URL prefixes."""
    policy = getattr(settings, setting, None) or {}
    cached = _built.get(report_only)
    if cached is None or cached[0] is not policy:  # holding the object: its id cannot be reused
        cached = _built[report_only] = (policy, build_policy(report_only=report_only))
    return cached[1], tuple(policy.get("EXCLUDE_URL_PREFIXES", None) or ())


class CSPMiddleware(LibraryCSPMiddleware):
    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(getattr(response, name, None) is not None for name in _PER_RESPONSE):
            return super().process_response(request, response)
        if response.status_code in (404, 500) and settings.DEBUG:  # Django's debug pages, as the library
            return response
        for header, setting, report_only in ((HEADER, "CONTENT_SECURITY_POLICY", False), (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True)):
            value, excluded = _header(setting, report_only)
            if value and header not in response and not request.path_info.startswith(excluded):
                response[header] = value
        # As the library: a nonce asked for after the header is written is an error, not a silent gap.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
