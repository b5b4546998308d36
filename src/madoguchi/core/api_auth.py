"""Authentication for the API (django-ninja): one staff check for every app's staff endpoints."""

from __future__ import annotations

from ninja.security import SessionAuth

from .permissions import is_staff_member


class StaffSessionAuth(SessionAuth):
    """A staff member's session with a verified TOTP device — the API equivalent of
    ``madoguchi.core.staff.staff_required``. Anything else gets 401 from ninja."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None and is_staff_verified(user):
            return user
        return None


def is_staff_verified(user) -> bool:
    return bool(is_staff_member(user) and getattr(user, "is_verified", lambda: False)())


staff_auth = StaffSessionAuth()
