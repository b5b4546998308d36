"""Demo two-factor: every demo staff user gets a confirmed TOTP device with ONE fixed secret, so
that whoever runs the demo can sign in (``manage.py demo_totp`` prints the current code).

DEMO ONLY. The secret is public (it is in this file); never load the demo in production."""

from __future__ import annotations

from base64 import b32encode

from django.contrib.auth import get_user_model

from . import conf

# 20 bytes, hex as TOTPDevice stores it. Base32 (for authenticator apps): DEMO_TOTP_SECRET.
DEMO_TOTP_KEY_HEX = b"MADOGUCHI-DEMO-ONLY!".hex()
DEMO_TOTP_SECRET = b32encode(bytes.fromhex(DEMO_TOTP_KEY_HEX)).decode()
DEMO_DEVICE_NAME = "デモ用（公開された鍵・本番不可）"


def load(municipality) -> None:
    if conf.environment() == "production":
        return  # a public secret must never guard a production account
    from django_otp.plugins.otp_totp.models import TOTPDevice

    User = get_user_model()
    # Only the demo city's staff (invented addresses), never an account someone created.
    from django.db.models import Q

    from madoguchi.core import demo as core_demo

    demo_staff = Q(email__endswith="@" + core_demo.STAFF_DOMAIN) | Q(email__endswith="@" + core_demo.NEIGHBOUR_STAFF_DOMAIN) | Q(email=core_demo.OPERATOR_EMAIL)
    for user in User.objects.filter(demo_staff, is_staff=True):
        TOTPDevice.objects.update_or_create(user=user, name=DEMO_DEVICE_NAME, defaults={"key": DEMO_TOTP_KEY_HEX, "confirmed": True})


def current_code() -> str:
    import pyotp

    return pyotp.TOTP(DEMO_TOTP_SECRET).now()
