"""Demo data: the demo resident owes one fee, payable through the sandbox provider (デモ決済).
The paid object is the section row itself until reservations and applications adopt payments."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from madoguchi.core.demo import RESIDENT_EMAIL
from madoguchi.core.models import Section

from . import services
from .models import Payment

PURPOSE = "市民講座 参加費（デモ）"


def load(municipality) -> None:
    resident = get_user_model().objects.filter(email=RESIDENT_EMAIL).first()
    section = Section.objects.filter(municipality=municipality, name="生涯学習スポーツ課").first()
    if resident is None or section is None or Payment.objects.filter(purpose=PURPOSE).exists():
        return
    services.request_payment(section, PURPOSE, 1500, section, resident, timezone.now() + dt.timedelta(days=14), provider="demo")
