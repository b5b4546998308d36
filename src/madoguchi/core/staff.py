"""Decorator for back-office views: a staff member, signed in with a verified second factor.
Lives in core (not web) so that core views can use it without a core → web import cycle."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from madoguchi.core.permissions import is_staff_member


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if not is_staff_member(user):
            raise PermissionDenied("職員用の画面です。")
        if not user.is_verified():  # django_otp: TOTP verified in this session
            return redirect("accounts:otp_verify")
        return view(request, *args, **kwargs)

    return wrapper
