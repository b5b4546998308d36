"""Cache-Control for personal data: every response to a signed-in request — or to any request
carrying a session, such as a no-account case opened through its emailed link — gets
``Cache-Control: no-store`` (pages, API answers, PDFs, file downloads, exports), so neither a
shared cache nor the browser's disk or back button keeps a resident's data — unless its view is
explicitly marked as holding no personal data with ``@no_personal_data`` (public notices,
facility calendars), which keeps the view's own caching headers. A visitor without a session
gets the same public page as everyone, left cacheable.

For django-ninja operations: ``@decorate_view(no_personal_data)`` under the route decorator."""

from __future__ import annotations

from functools import wraps

from django.utils.cache import add_never_cache_headers

MARK = "_madoguchi_no_personal_data"


def no_personal_data(view):
    """Mark a view (or a ninja operation through ``decorate_view``) as answering the same to
    everyone: no personal data, so caches may keep it."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        setattr(response, MARK, True)
        return response

    setattr(wrapper, MARK, True)
    return wrapper


def holds_personal_data(request, response) -> bool:
    if getattr(response, MARK, False):
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    session = getattr(request, "session", None)
    # A session cookie (or data put in the session by this request) can unlock personal data
    # without an account: a case link remembered in the session. is_empty() loads nothing.
    return bool(session is not None and not session.is_empty())


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if holds_personal_data(request, response):
            # Replace whatever the view said (public, max-age): only a marked view may be cached.
            if "Cache-Control" in response:
                del response["Cache-Control"]
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        return response
