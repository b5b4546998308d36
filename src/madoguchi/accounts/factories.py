"""Test factories for accounts: users are made by ``madoguchi.core.factories`` (ResidentFactory,
StaffFactory, re-exported here); this module adds their TOTP devices (二要素認証).

    device = TOTPDeviceFactory(user=staff)                  # confirmed, the demo key
    TOTPDeviceFactory(user=staff, confirmed=False, key=…)   # enrolment in progress
"""

from __future__ import annotations

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice
from factory.django import DjangoModelFactory

from madoguchi.core.factories import PASSWORD, ResidentFactory, StaffFactory, UserFactory

from .demo import DEMO_TOTP_KEY_HEX

__all__ = ["PASSWORD", "ResidentFactory", "StaffFactory", "TOTPDeviceFactory", "UserFactory"]


class TOTPDeviceFactory(DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(StaffFactory)
    name = "test"
    key = DEMO_TOTP_KEY_HEX
    confirmed = True
