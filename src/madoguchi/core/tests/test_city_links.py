"""Many-to-many links carry their city (issue #10 item 4): the explicit through tables of
alerts and applications get the municipality of their parent from ``add()``/``set()``, the
tenant scoping applies to them, and the system check refuses a new plain many-to-many field on
a city-owned model (its automatic link table would have no municipality)."""

from __future__ import annotations

import django.apps
import pytest
from django.db import models
from django.test.utils import isolate_apps

from madoguchi.alerts.factories import AreaFactory, NoticeFactory, ShelterFactory, SubscriptionFactory, TopicFactory
from madoguchi.alerts.models import NoticeArea, NoticeShelter, SubscriptionArea, SubscriptionTopic
from madoguchi.applications.factories import LifeEventFactory, ProcedureFactory
from madoguchi.applications.models import ProcedureLifeEvent
from madoguchi.core import tenancy
from madoguchi.core.factories import MunicipalityFactory
from madoguchi.core.models import CityOwned


@pytest.mark.django_db
def test_links_take_their_parents_city_with_and_without_an_active_city():
    first, second = MunicipalityFactory(), MunicipalityFactory()
    with tenancy.using(second):
        topic, area = TopicFactory(municipality=second), AreaFactory(municipality=second)
        subscription = SubscriptionFactory(municipality=second, topics=[topic], areas=[area])
        notice = NoticeFactory(municipality=second)
        notice.areas.add(area)
        notice.shelters.set([ShelterFactory(municipality=second)])
    # No city active (a command): the links still get the parent's city, not the default one.
    event = LifeEventFactory(municipality=second)
    procedure = ProcedureFactory(municipality=second)
    procedure.life_events.add(event)

    for link in (SubscriptionTopic, SubscriptionArea, NoticeArea, NoticeShelter, ProcedureLifeEvent):
        cities = set(link.objects.values_list("municipality_id", flat=True))
        assert cities == {second.pk}, link.__name__
    assert list(subscription.topics.all()) == [topic]

    # The first city sees none of them, through the relation or the link table.
    with tenancy.using(first):
        assert not SubscriptionTopic.objects.exists()
        assert not ProcedureLifeEvent.objects.exists()


@pytest.mark.django_db
def test_a_link_to_another_citys_parent_is_refused_while_a_city_is_active():
    first, second = MunicipalityFactory(), MunicipalityFactory()
    subscription = SubscriptionFactory(municipality=second)
    topic = TopicFactory(municipality=second)
    with tenancy.using(first), pytest.raises(PermissionError):
        SubscriptionTopic.objects.bulk_create([SubscriptionTopic(subscription_id=subscription.pk, topic_id=topic.pk)])


@isolate_apps("madoguchi.core")
def test_the_check_refuses_a_plain_many_to_many_on_a_city_owned_model(monkeypatch):
    class Tag(CityOwned):
        class Meta:
            app_label = "core"

    class Poster(CityOwned):
        tags = models.ManyToManyField(Tag)

        class Meta:
            app_label = "core"

    isolated = Poster._meta.apps
    monkeypatch.setattr(django.apps, "apps", isolated)
    problems = tenancy.check_tenancy()
    assert [p.id for p in problems] == ["madoguchi.E052"]
    assert "core_poster_tags" in problems[0].msg
