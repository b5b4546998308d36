"""Half-signed-in staff (パスワードのみ確認済みの職員): a staff session whose second factor (TOTP)
is not verified yet reaches only the OTP pages and logout — every other page redirects to the
OTP page and every API answer is 403 (signed in, but not enough), so a stolen password alone reads or changes nothing
(profile, password, reports). Residents have no second factor and are never stopped here."""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import LazyObject, empty
from django_otp.middleware import OTPMiddleware as _OTPMiddleware

# URL names a half-signed-in staff member may reach (the OTP pages, login and logout).
# The login page too: it shows nothing of the account, and signing in again (or as someone
# else) must stay possible.
ALLOWED = {"accounts:login", "accounts:otp_verify", "accounts:otp_enrol", "accounts:logout", "set_language"}
_SESSION_KEY = "madoguchi.needs_2fa"


def needs_second_factor(request) -> bool:
    """Signed in, needs TOTP (staff of this city, or Django staff) and has not verified it in this
    session. The role lookup is remembered in the session per user and city: one query per
    session, not per request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if getattr(user, "is_verified", lambda: False)():
        return False
    if user.is_staff or user.is_platform_admin:
        return True
    from . import tenancy
    from .permissions import is_staff_member, role_here_known

    if role_here_known(user) is not None:  # read with the account: no query, nothing to remember
        return is_staff_member(user)
    key = f"{user.pk}:{tenancy.current_id() or 0}"
    cached = request.session.get(_SESSION_KEY) or {}
    if key not in cached:
        cached = {key: is_staff_member(user)}
        request.session[_SESSION_KEY] = cached
    return bool(cached[key])


class OTPMiddleware(_OTPMiddleware):
    """django-otp's middleware, whose lazy ``request.user`` resolves to the user object itself
    rather than to the authentication middleware's lazy wrapper around it: every read of
    ``request.user.<attribute>`` then goes through one proxy, not two. A signed-in request reads
    the user some sixty times (the 2FA gate, tenancy, no-store, the view), and the second layer
    was most of what a signed-in request costs over 2f31279 (``bench_request_cost.py``, no-op).
    What django-otp sets on the user (``otp_device``, ``is_verified``) is unchanged."""

    def _verify_user_sync(self, request, user):
        if isinstance(user, LazyObject):
            if user._wrapped is empty:
                user._setup()
            user = user._wrapped
        return super()._verify_user_sync(request, user)


class SecondFactorGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.view_name in ALLOWED:
            return None
        if not needs_second_factor(request):
            return None
        if request.path.startswith("/api/"):
            message = "職員のアカウントは、確認コード（二要素認証）を入力するまで使えません。ログイン画面から確認コードを入力してください。"
            from .errors import api_detail

            return api_detail(message, 403)
        # Where staff_required sends them too (the code page leads to the staff home).
        return redirect(reverse("accounts:otp_verify"))
