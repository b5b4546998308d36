"""Error pages (400/403/404/500 and CSRF failure) in the site's layout, in Japanese, each saying
what happened and what to do next; and ``LoginRequired``, raised by a view whose page belongs
to an account when nobody is signed in (a session that expired mid-form): the resident is sent
to sign in and comes back to the same page (``next=``).

The 500 page and the CSRF page may be rendered while the database is unreachable: they render
without the request's context processors (which read the city, the menus and the signed-in
user) and fall back to a page without any template when even that fails.
"""

from __future__ import annotations

import logging

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class LoginRequired(PermissionDenied):
    """This page belongs to an account and nobody is signed in (the session expired, or the
    cookies were cleared): the 403 handler answers with the login page, ``next`` = this page.

    A subclass of ``PermissionDenied`` because Django hands that to ``handler403`` with DEBUG
    on and off alike (an ``Http404`` subclass would show the debug page with DEBUG on)."""


_BARE_PAGE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head><body><main><h1>{title}</h1><p>{body}</p><p><a href="/">トップページへ</a></p></main></body></html>"""


def api_detail(message: str, status: int, **extra) -> JsonResponse:
    """The API's error answer outside django-ninja (middlewares, plain JSON views): ninja's
    ``{"detail": ...}`` shape, in Japanese as written (not \\u-escaped), plus any extra fields."""
    return JsonResponse({"detail": message, **extra}, status=status, json_dumps_params={"ensure_ascii": False})


def _current_city():
    """The city the request was resolved to, without a query (None if it was not resolved)."""
    from . import tenancy

    try:
        return tenancy.current()
    except Exception:  # noqa: BLE001 — an error page never fails on the way to saying so
        return None


def _render(request, template: str, status: int, context: dict | None = None, *, use_request: bool = True) -> HttpResponse:
    context = dict(context or {})
    if use_request:
        try:
            return HttpResponse(loader.render_to_string(template, context, request=request), status=status)
        except Exception:  # noqa: BLE001 — the database or a context processor failed: render without them
            logger.warning("error page %s rendered without the request context", template, exc_info=True)
    try:
        # No request: no context processors, no session or user lookups, no queries. The city
        # (already resolved for this request, or None) gives the header its name.
        context.setdefault("municipality", _current_city())
        context.setdefault("public_menu", [])
        context.setdefault("bare_error_page", True)
        return HttpResponse(loader.render_to_string(template, context), status=status)
    except Exception:  # noqa: BLE001
        logger.exception("error page %s could not be rendered", template)
        title = context.get("title") or _("エラーが発生しました")
        body = _("しばらく待ってから、もう一度お試しください。")
        return HttpResponse(_BARE_PAGE.format(title=title, body=body), status=status, content_type="text/html; charset=utf-8")


def bad_request(request, exception=None, template_name="web/errors/400.html"):
    return _render(request, template_name, 400)


def permission_denied(request, exception=None, template_name="web/errors/403.html"):
    if isinstance(exception, LoginRequired) and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return _render(request, template_name, 403, {"login_needed": not request.user.is_authenticated})


def page_not_found(request, exception=None, template_name="web/errors/404.html"):
    return _render(request, template_name, 404, {"path": request.path})


def server_error(request, template_name="web/errors/500.html"):
    return _render(request, template_name, 500, use_request=False)


def _back_url(request) -> str:
    """Where 「入力画面に戻る」 leads: the page the form was on (the Referer, this site only),
    else the top page."""
    from .links import same_site_url

    return same_site_url(request, request.headers.get("referer", "")) or "/"


def csrf_failure(request, reason="", template_name="web/errors/csrf.html"):
    """The form could not be accepted because the browser's cookies were gone or out of date
    (CSRF check failed). The typed values stay in the browser (web/keep-input.js)."""
    no_cookie = not request.COOKIES
    return _render(request, template_name, 403, {"back_url": _back_url(request), "no_cookie": no_cookie})
