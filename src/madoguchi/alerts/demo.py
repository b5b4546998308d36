"""Demo data for みどり野市 (fictional): topics, areas, shelters, subscribers and past notices."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from madoguchi.core.models import Section

from .models import Area, Channel, Delivery, Notice, Shelter, Subscription, Topic

TOPICS = [
    # slug, name, easy, en, CAP category
    ("bousai", "防災", "さいがい", "Disaster prevention", "Safety"),
    ("bouhan", "防犯", "はんざい", "Crime prevention", "Security"),
    ("shisei", "市政", "しの しごと", "City news", "Other"),
    ("kosodate", "子育て", "こそだて", "Child-rearing", "Other"),
    ("kenkou", "健康", "けんこう", "Health", "Health"),
    ("event", "イベント", "イベント", "Events", "Other"),
    ("gomi", "ごみ", "ごみ", "Waste collection", "Env"),
]
AREAS = [
    ("中央一丁目", "ちゅうおういっちょうめ", "Chuo 1-chome"),
    ("中央二丁目", "ちゅうおうにちょうめ", "Chuo 2-chome"),
    ("緑町一丁目", "みどりちょういっちょうめ", "Midoricho 1-chome"),
    ("緑町二丁目", "みどりちょうにちょうめ", "Midoricho 2-chome"),
    ("東野一丁目", "ひがしのいっちょうめ", "Higashino 1-chome"),
    ("西ヶ丘一丁目", "にしがおかいっちょうめ", "Nishigaoka 1-chome"),
    ("川辺町", "かわべちょう", "Kawabecho"),
]
SHELTERS = [
    ("みどり野市立中央小学校 体育館", "みどり野市中央一丁目5番1号（架空）", "中央一丁目"),
    ("みどり野市立緑町中学校 体育館", "みどり野市緑町二丁目2番2号（架空）", "緑町二丁目"),
    ("川辺地区センター", "みどり野市川辺町3番3号（架空）", "川辺町"),
]


def load(municipality) -> None:
    topics = {}
    for order, (slug, name, easy, en, cat) in enumerate(TOPICS):
        topics[slug], _ = Topic.objects.update_or_create(
            municipality=municipality, slug=slug, defaults=dict(name=name, name_easy=easy, name_en=en, cap_category=cat, order=order)
        )
    areas = {}
    for order, (name, kana, en) in enumerate(AREAS):
        areas[name], _ = Area.objects.update_or_create(municipality=municipality, name=name, defaults=dict(name_kana=kana, name_en=en, order=order))
    for name, address, area in SHELTERS:
        Shelter.objects.update_or_create(municipality=municipality, name=name, defaults=dict(address=address, area=areas[area]))
    section = Section.objects.get(municipality=municipality, name="防災安全課")
    now = timezone.now()
    if not Notice.objects.filter(municipality=municipality, source="demo").exists():
        n1 = Notice.objects.create(
            municipality=municipality,
            section=section,
            topic=topics["bousai"],
            severity="Severe",
            title="大雨による避難所の開設（川辺町）",
            body="大雨警報の発表に伴い、川辺地区センターを避難所として開設しました。川沿いにお住まいの方は早めの避難をお願いします。",
            title_easy="あめが たくさん ふります",
            body_easy="かわべちょうの ひとは、かわべ ちく センターに にげて ください。",
            title_en="Shelter opened due to heavy rain (Kawabecho)",
            body_en="Kawabe Community Center is open as a shelter. Residents near the river, please evacuate early.",
            channels=["email", "webpush", "line"],
            status=Notice.Status.SENT,
            sent_at=now - dt.timedelta(days=3),
            expires_at=now - dt.timedelta(days=2),
            source="demo",
        )
        n1.areas.set([areas["川辺町"]])
        n1.shelters.set(Shelter.objects.filter(name="川辺地区センター"))
        n2 = Notice.objects.create(
            municipality=municipality,
            section=section,
            topic=topics["bouhan"],
            severity="Moderate",
            title="不審者情報（緑町一丁目）",
            body="午後4時ごろ、緑町一丁目の通学路で、児童に声をかける不審な人物がいました。お子さまの登下校にご注意ください。",
            channels=["email", "line"],
            status=Notice.Status.SENT,
            sent_at=now - dt.timedelta(days=1),
            source="demo",
        )
        n2.areas.set([areas["緑町一丁目"], areas["緑町二丁目"]])
        sub, _ = Subscription.objects.get_or_create(
            municipality=municipality, channel=Channel.EMAIL, address="resident@example.jp", defaults=dict(status=Subscription.Status.ACTIVE, confirmed_at=now)
        )
        sub.topics.set([topics["bousai"], topics["bouhan"]])
        for n in (n1, n2):
            Delivery.objects.get_or_create(notice=n, subscription=sub, channel=Channel.EMAIL, defaults=dict(state=Delivery.State.SENT, sent_at=n.sent_at))
