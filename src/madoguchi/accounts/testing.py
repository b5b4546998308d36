"""Helpers for other apps' tests.

from madoguchi.accounts.testing import login_staff
login_staff(client, user)             # Django test client, OTP-verified session

staff_login_in_browser(page, live_server.url, email, password)   # Playwright
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher
from django_otp import DEVICE_ID_SESSION_KEY


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 as in production (same algorithm name and hash format) at the smallest cost: the
    production parameters take about half a second of CPU per hash, and the suite makes and
    checks hundreds of passwords. The root conftest.py puts it in PASSWORD_HASHERS."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1


def verified_device(user):
    """A confirmed TOTP device for ``user`` (the demo key, so the browser helper can compute codes)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .demo import DEMO_TOTP_KEY_HEX

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", key=DEMO_TOTP_KEY_HEX, confirmed=True)
    return device


def login_staff(client, user):
    """Sign ``user`` in on the test ``client`` with a verified second factor; returns the device."""
    device = verified_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def _code(secret: str, offset: int = 0) -> str:
    import time

    import pyotp

    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + offset * totp.interval)


def staff_login_in_browser(page, live_server_url: str, email: str, password: str, next_url: str = "") -> None:
    """Log a staff user in through the real pages: password, then the TOTP code.

    Works for demo accounts (fixed demo secret) and for staff without a device (reads the key
    from the enrolment page). A code is accepted once per 30 s window, so a second login in the
    same window uses the next window's code (within the device's tolerance)."""
    from .demo import DEMO_TOTP_SECRET

    url = live_server_url.rstrip("/") + "/accounts/login/"
    if next_url:
        url += "?next=" + next_url
    page.goto(url)
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    secret = DEMO_TOTP_SECRET
    if "/accounts/otp/setup/" in page.url:
        secret = page.get_attribute("[data-totp-secret]", "data-totp-secret")
    elif "/accounts/otp/" not in page.url:
        raise AssertionError(f"staff login did not reach the code page: {page.url}")
    for offset in (0, 1):
        page.fill("#id_token", _code(secret, offset))
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        if "/accounts/otp/" not in page.url:
            return
    raise AssertionError("TOTP code was refused")
