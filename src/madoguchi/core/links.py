"""The one absolute-URL helper (リンクの組み立て). Emails, feeds, QR codes, push payloads and exports
need links that work outside the request; they all build them here.

The base is the municipality's own site when it has one (``Municipality.site_url``, added by
the multi-city work) and ``settings.SITE_URL`` otherwise, so a deployment serving several
cities links each city's residents to their city's host."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

DEFAULT_SITE_URL = "http://127.0.0.1:8000"


def site_url(municipality=None) -> str:
    """The site's base URL without a trailing slash: the given city's, else the active city's
    (core.tenancy), else ``SITE_URL``."""
    if municipality is None:
        from .tenancy import current

        municipality = current()
    own = getattr(municipality, "site_url", "") if municipality is not None else ""
    return str(own or getattr(settings, "SITE_URL", "") or DEFAULT_SITE_URL).rstrip("/")


def same_site_url(request, candidate: str) -> str:
    """``candidate`` (a ``next`` or Referer address) if it leads to this site over the same
    scheme, else "": the one open-redirect check."""
    from django.utils.http import url_has_allowed_host_and_scheme

    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return ""


def absolute_url(target: str, *args, municipality=None, query: dict | None = None, **kwargs) -> str:
    """``absolute_url("reservations:my")``, ``absolute_url("plans:report", item.pk, 2026)``
    or ``absolute_url("/already/a/path/")``. A target starting with "/" is a path; anything
    else is a URL name for ``reverse()`` with ``args``/``kwargs``. ``query`` is appended
    encoded."""
    path = target if target.startswith("/") else reverse(target, args=args or None, kwargs=kwargs or None)
    url = site_url(municipality) + path
    if query:
        url += ("&" if "?" in url else "?") + urlencode(query, doseq=True)
    return url
