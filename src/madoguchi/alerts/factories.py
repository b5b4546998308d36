"""Test factories for alerts (緊急・お知らせ配信): topics, areas, shelters, subscriptions, notices.

    topic = TopicFactory(slug="bousai")                     # 防災, as in the demo (alerts/demo.py TOPICS)
    SubscriptionFactory(topics=[topic], address="taro@example.jp")   # an active email subscriber
    NoticeFactory(topic=topic, status=Notice.Status.SENT)   # issued by 防災安全課, sent an hour ago

Topics and areas with a demo slug or name take the demo's wording; everything is made in the
notice's (or the current) city, and a notice's topic and section are of its municipality.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from madoguchi.core.factories import CityOwnedFactory, SectionFactory, current_municipality

from .models import Area, Channel, Notice, Shelter, Subscription, Topic


def _demo_topic(slug: str) -> tuple:
    from .demo import TOPICS

    return next((t for t in TOPICS if t[0] == slug), (slug, f"分野{slug}", "", "", "Other"))


class TopicFactory(CityOwnedFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("municipality", "slug")

    municipality = factory.LazyFunction(current_municipality)
    slug = factory.Sequence(lambda n: f"topic{n}")
    name = factory.LazyAttribute(lambda o: _demo_topic(o.slug)[1])
    name_easy = factory.LazyAttribute(lambda o: _demo_topic(o.slug)[2])
    name_en = factory.LazyAttribute(lambda o: _demo_topic(o.slug)[3])
    cap_category = factory.LazyAttribute(lambda o: _demo_topic(o.slug)[4])


class AreaFactory(CityOwnedFactory):
    class Meta:
        model = Area
        django_get_or_create = ("municipality", "name")

    municipality = factory.LazyFunction(current_municipality)
    name = factory.Sequence(lambda n: f"中央{n}丁目")


class ShelterFactory(CityOwnedFactory):
    class Meta:
        model = Shelter

    area = factory.SubFactory(AreaFactory)
    municipality = factory.SelfAttribute("area.municipality")
    name = factory.Sequence(lambda n: f"テスト避難所{n}")
    address = "テスト市中央一丁目5番1号（架空）"


class SubscriptionFactory(CityOwnedFactory):
    """An active email subscription (``topics=[...]``, ``areas=[...]``; none: all areas)."""

    class Meta:
        model = Subscription
        skip_postgeneration_save = True

    municipality = factory.LazyFunction(current_municipality)
    channel = Channel.EMAIL
    address = factory.Sequence(lambda n: f"subscriber{n}@example.jp")
    status = Subscription.Status.ACTIVE
    confirmed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def topics(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.topics.set(extracted)

    @factory.post_generation
    def areas(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.areas.set(extracted)


class NoticeFactory(CityOwnedFactory):
    """お知らせ issued by 防災安全課 on 防災 (a draft unless ``status=`` says otherwise; a sent
    notice was sent an hour ago)."""

    class Meta:
        model = Notice
        skip_postgeneration_save = True

    section = factory.SubFactory(SectionFactory, name="防災安全課")
    municipality = factory.SelfAttribute("section.municipality")
    topic = factory.SubFactory(TopicFactory, municipality=factory.SelfAttribute("..municipality"), slug="bousai")
    severity = "Moderate"
    title = factory.Sequence(lambda n: f"テストのお知らせ{n}")
    body = "テスト用のお知らせです。"
    channels = factory.LazyFunction(lambda: ["email"])
    all_areas = True
    status = Notice.Status.DRAFT
    sent_at = factory.LazyAttribute(lambda o: timezone.now() - dt.timedelta(hours=1) if o.status == Notice.Status.SENT else None)

    @factory.post_generation
    def areas(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.areas.set(extracted)
