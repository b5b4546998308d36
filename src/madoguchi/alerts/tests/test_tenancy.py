"""共同運営 (issue #10): on city B's host, city A's notices, feeds and subscription pages are not
found or not listed, and a notice of A reaches A's subscribers only."""

from __future__ import annotations

import pytest
from django.utils import timezone

from madoguchi.alerts import services
from madoguchi.alerts.models import Delivery, Notice, Subscription, TargetingConsent, Topic
from madoguchi.core import tenancy
from madoguchi.core.models import Municipality, MunicipalityDomain, Section

A_HOST, B_HOST = "city-a.localhost", "town-b.localhost"


@pytest.fixture
def cities(city, staff):
    a = city
    b = Municipality.objects.create(name="べつの町", code="139971", is_fictional=True)
    MunicipalityDomain.objects.create(municipality=a, domain=A_HOST)
    MunicipalityDomain.objects.create(municipality=b, domain=B_HOST)
    b_section = Section.objects.create(municipality=b, name="総務課")
    Topic.objects.create(municipality=b, slug="bousai", name="防災")
    return {"a": a, "b": b, "a_section": staff["section"], "b_section": b_section}


def _sent_notice(municipality, section, title, **extra):
    return Notice.objects.create(
        municipality=municipality,
        section=section,
        topic=Topic.objects.get(municipality=municipality, slug="bousai"),
        severity="Moderate",
        title=title,
        body=f"{title}の本文です。",
        all_areas=True,
        **{"status": Notice.Status.SENT, "sent_at": timezone.now(), **extra},
    )


def _subscriber(municipality, address, **extra):
    sub = Subscription.objects.create(municipality=municipality, channel="email", address=address, status="active", **extra)
    sub.topics.set(Topic.objects.filter(municipality=municipality, slug="bousai"))
    return sub


def test_city_b_never_shows_city_a_notices_or_feeds(client, cities):
    a_notice = _sent_notice(cities["a"], cities["a_section"], "みどり野市の断水")
    b_notice = _sent_notice(cities["b"], cities["b_section"], "あおば台町の防災訓練")
    listing = client.get("/alerts/", HTTP_HOST=B_HOST).content.decode()
    assert b_notice.title in listing and a_notice.title not in listing
    assert client.get(f"/alerts/{a_notice.pk}/", HTTP_HOST=B_HOST).status_code == 404
    assert client.get(f"/alerts/{b_notice.pk}/", HTTP_HOST=B_HOST).status_code == 200
    assert client.get(f"/alerts/{a_notice.pk}/", HTTP_HOST=A_HOST).status_code == 200  # on its own host
    for feed in ("/alerts/feed.rss", "/alerts/feed.atom", "/alerts/cap/feed.atom"):
        body = client.get(feed, HTTP_HOST=B_HOST).content.decode()
        assert a_notice.title not in body and str(a_notice.identifier) not in body, feed
        assert b_notice.title in body or str(b_notice.identifier) in body, feed
    assert client.get(f"/alerts/cap/{a_notice.identifier}.xml", HTTP_HOST=B_HOST).status_code == 404
    assert client.get(f"/alerts/cap/{a_notice.identifier}.xml", HTTP_HOST=A_HOST).status_code == 200


def test_city_b_never_opens_city_a_subscription_pages(client, cities):
    sub = _subscriber(cities["a"], "resident@example.jp")
    for path in (f"/alerts/unsubscribe/{sub.token}/", f"/alerts/manage/{services.manage_key(sub)}/"):
        assert client.get(path, HTTP_HOST=B_HOST).status_code == 404, path
        assert client.get(path, HTTP_HOST=A_HOST).status_code == 200, path
    client.post(f"/alerts/unsubscribe/{sub.token}/", {"List-Unsubscribe": "One-Click"}, HTTP_HOST=B_HOST)
    sub.refresh_from_db()
    assert sub.status == "active"  # B's host cannot stop A's subscription


def test_notice_of_a_reaches_only_a_subscribers(cities):
    a, b = cities["a"], cities["b"]
    mine = [_subscriber(a, f"a{i}@example.jp") for i in range(3)]
    theirs = [_subscriber(b, f"a{i}@example.jp") for i in range(2)]  # same addresses, other city
    notice = _sent_notice(a, cities["a_section"], "みどり野市の断水", channels=["email"], status=Notice.Status.SENDING)
    with tenancy.using(a, database=True):  # as the fan-out task runs: for the city it was queued for
        assert services.fan_out(notice.pk) == 3
    rows = list(Delivery.objects.filter(notice=notice).values_list("subscription_id", "municipality_id"))
    assert sorted(rows) == sorted((s.pk, a.pk) for s in mine)
    assert not Delivery.objects.filter(subscription__in=theirs).exists()
    with tenancy.using(b):
        assert not Delivery.objects.filter(notice_id=notice.pk).exists()  # B's scope never sees A's rows


def test_corrections_and_targeting_fill_the_city(cities):
    """The bulk path (a correction or a targeted notice) writes the notice's city too."""
    a = cities["a"]
    sub = _subscriber(a, "target@example.jp")
    TargetingConsent.objects.create(subscription=sub, facts=["pet"], consent_text="同意します")
    assert TargetingConsent.objects.get(subscription=sub).municipality == a  # from its subscription
    assert sub.targeting is not None
    notice = _sent_notice(a, cities["a_section"], "ペット同行避難", channels=["email"], status=Notice.Status.SENDING, target_facts=["pet"])
    assert services.fan_out(notice.pk) == 1
    assert Delivery.objects.get(notice=notice).municipality_id == a.pk


def test_unique_values_are_unique_within_a_city(cities):
    a, b = cities["a"], cities["b"]
    one = _subscriber(a, "x@example.jp")
    other = _subscriber(b, "y@example.jp", token=one.token)  # the same token in another city is not a clash
    assert other.token == one.token
    n = _sent_notice(a, cities["a_section"], "お知らせ")
    _sent_notice(b, cities["b_section"], "お知らせ", identifier=n.identifier)


def test_line_uses_the_citys_own_channel(cities, settings):
    from madoguchi.alerts import conf

    settings.LINE_CHANNEL_ACCESS_TOKEN, settings.LINE_CHANNEL_SECRET = "deployment-token", "deployment-secret"
    a, b = cities["a"], cities["b"]
    b.line_channel_access_token, b.line_channel_secret = "b-token", "b-secret"
    b.save()
    assert (conf.line_channel_access_token(b), conf.line_channel_secret(b)) == ("b-token", "b-secret")
    assert conf.line_channel_access_token(a) == "deployment-token"  # no channel of its own
    with tenancy.using(b):  # a delivery task or the webhook on B's host
        assert conf.line_channel_secret() == "b-secret"
