"""Test factories for payments. A payment pays for some row through a generic link; tests use a
``core.Section`` row as the paid object (any model works; the real callers pass a booking or a
submission)."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from madoguchi.core.factories import CityOwnedFactory, ResidentFactory, SectionFactory

from .models import Payment


class PaymentFactory(CityOwnedFactory):
    class Meta:
        model = Payment

    section = factory.SubFactory(SectionFactory)
    municipality = factory.SelfAttribute("section.municipality")
    content_type = factory.LazyFunction(lambda: ContentType.objects.get_by_natural_key("core", "section"))
    object_id = factory.LazyAttribute(lambda o: str(o.section.pk))
    purpose = "施設使用料"
    amount = 1200
    payer = factory.SubFactory(ResidentFactory)
    payer_name = "緑野 さくら"
    payer_email = factory.LazyAttribute(lambda o: o.payer.email if o.payer else "")
    provider = "demo"
    merchant_reference = factory.Sequence(lambda n: f"139998-20261204-{n:05d}")
    pay_by = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
