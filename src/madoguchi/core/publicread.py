"""Public reads (公開の読み取り): answers that are the same for everyone — a facility's month
calendar — served before sessions, accounts, CSRF, messages and the rest of the stack.

Why: at an opening rush every resident reloads the calendar many times (after each 「予約済み」,
and every second once nothing is free). The answer itself is one small query and one cache get
(``reservations.availability``), but the full middleware stack around it — loading the session
from Redis, the account, the second-factor gate, the CSP header — cost three times that, and
500 residents refreshing saturated two cores (issue #14). An answer that holds no personal
data needs none of it, so an app registers such a read in the ``public_reads`` registry
(``core.registry.PublicRead``) and this middleware answers it right after the security headers.

What still applies here, the same way as on the full stack:
- the city from the host name and the database's row-level security (``tenancy.serving``);
  an unknown host or the operator's host goes on to ``TenantMiddleware`` for its error page;
- the per-city request limit (``tenancy.over_city_limit``: one counter with the full stack);
- ``SecurityMiddleware``'s headers (it runs first), ``X-Frame-Options`` and ``Content-Length``.

What does not: the waiting room (a calendar read is cheap and never queued; booking pages
are), ``Cache-Control: no-store`` (the answer is public by definition). A handler returns None
for anything unusual (a bad parameter, an unknown id) and the full stack answers it with its
Japanese error, so there is one place for errors and one for the happy path's speed.
"""

from __future__ import annotations

import re

from django.conf import settings

from . import registry, tenancy
from .cachecontrol import MARK

_routes: list[tuple[re.Pattern, registry.PublicRead]] | None = None


def routes() -> list[tuple[re.Pattern, registry.PublicRead]]:
    global _routes
    if _routes is None:
        _routes = [(re.compile(plugin.pattern), plugin) for plugin in registry.public_reads.values()]
    return _routes


def answer(request):
    """The public read's response for this request, or None (not one, or the handler declined)."""
    if request.method != "GET":
        return None
    path = request.path_info
    for pattern, plugin in routes():
        match = pattern.fullmatch(path)
        if match is None:
            continue
        try:
            municipality = tenancy.city_of_request(request)
        except Exception:  # DisallowedHost and the like: the full stack answers with its 400 page
            return None
        if municipality is None:
            return None
        if tenancy.over_city_limit(request, municipality):
            response = tenancy.busy_response()  # finished below like any answer: a 503 too needs its length
        else:
            request.municipality = municipality
            with tenancy.serving(municipality):
                response = plugin.handle(request, **match.groupdict())
        if response is not None:
            setattr(response, MARK, True)
            response.setdefault("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY"))
            if not response.streaming:  # as CommonMiddleware does: no chunked answer for a proxy to cache
                response.setdefault("Content-Length", str(len(response.content)))
        return response
    return None


class PublicReadMiddleware:
    """Right after ``SecurityMiddleware`` and WhiteNoise, before the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = answer(request) if routes() else None
        return response if response is not None else self.get_response(request)
