"""まとめて来庁: a checklist's procedures at several counters booked as consecutive slots on one
day (walking time between places), all or none, one itinerary (page, email, .ics); staff at a
counter open it and start the 書かない窓口 prefilled, every read audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from madoguchi.applications.factories import ProcedureFactory
from madoguchi.core import tenancy
from madoguchi.core.factories import MunicipalityFactory, ResidentFactory, SectionFactory
from madoguchi.core.models import MunicipalityDomain
from madoguchi.guide import itinerary
from madoguchi.guide.factories import GuideFactory
from madoguchi.guide.models import VisitPlan

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "plan.localhost"}


def _definition() -> dict:
    return {
        "title": {"ja": "転入"},
        "questions": [
            {"key": "children", "type": "yes_no", "text": {"ja": "お子さんがいますか"}},
            {"key": "abroad", "type": "yes_no", "text": {"ja": "国外からの転入ですか"}},
        ],
        "groups": [
            {"title": {"ja": "まず"}, "steps": [{"key": "tennyu", "procedure": "tennyu", "minutes": 30, "fill": {"note": "abroad", "nope": "children"}}]},
            {
                "title": {"ja": "つぎに"},
                "steps": [
                    {"key": "jido", "procedure": "jido", "minutes": 20, "when": {"children": "yes"}},
                    {"key": "kokuho", "procedure": "kokuho", "minutes": 15},
                    {"key": "gomi", "title": {"ja": "ごみの出し方の説明"}, "section": "環境課", "where": "東分庁舎1階"},
                ],
            },
        ],
    }


@pytest.fixture
def city(db):
    from madoguchi.reservations.factories import CounterFactory

    city = MunicipalityFactory()
    MunicipalityDomain.objects.create(municipality=city, domain="plan.localhost", is_primary=True)
    with tenancy.using(city):
        shimin = SectionFactory(municipality=city, name="市民課", location="本庁舎1階")
        kosodate = SectionFactory(municipality=city, name="子育て支援課", location="本庁舎2階")
        ProcedureFactory(section=shimin, slug="tennyu", name="転入届", online=False)  # a counter form (書かない窓口)
        ProcedureFactory(section=shimin, slug="kokuho", name="国民健康保険の加入", form=None, online=False)
        ProcedureFactory(section=kosodate, slug="jido", name="児童手当の認定請求", form=None, online=False)
        a = CounterFactory(section=shimin, slug="shimin", name="市民課 転入・転出", procedures="転入届;国民健康保険の加入", location="本庁舎１階 2番窓口")
        b = CounterFactory(section=kosodate, slug="kosodate", name="子育て支援課 手当", procedures="児童手当の認定請求", location="本庁舎2階 7番窓口")
        GuideFactory(section=shimin, slug="moving-in", definition=_definition())
    return {"city": city, "shimin": shimin, "kosodate": kosodate, "a": a, "b": b}


def _day(counter, after: int = 1) -> dt.date:
    from madoguchi.reservations import services as reservations

    days = [d["date"] for d in reservations.counter_dates(counter) if not d["closed"] and d["date"] > timezone.localdate()]
    return days[after - 1]


def _checklist(answers):
    from madoguchi.guide import services
    from madoguchi.guide.models import Guide

    return services.checklist(Guide.objects.get(slug="moving-in").published, answers, event_date=dt.date(2026, 4, 1))


@pytest.mark.parametrize(
    ("a", "b", "minutes"),
    [
        ("本庁舎1階 2番窓口", "本庁舎１階 5番窓口", 0),  # same floor, full-width digit
        ("本庁舎1階 2番窓口", "本庁舎2階 7番窓口", 5),
        ("本庁舎地下1階 売店横", "本庁舎1階", 5),
        ("本庁舎1階", "東分庁舎1階 12番", 15),
        ("1階 2番", "2階", 5),  # no building named: the main one
        ("", "", 0),
    ],
)
def test_walking_time_between_places(a, b, minutes):
    assert itinerary.walk_minutes(a, b) == minutes


def test_plan_groups_steps_by_counter_in_visiting_order(city):
    with tenancy.using(city["city"]):
        p = itinerary.plan(_checklist({"children": "yes"}))
    assert [s.counter.slug for s in p.stops] == ["shimin", "kosodate"]
    assert [[st.key for st in s.steps] for s in p.stops] == [["tennyu", "kokuho"], ["jido"]]
    assert [s.minutes for s in p.stops] == [45, 20] and [s.walk for s in p.stops] == [0, 5]
    assert [s.key for s in p.walk_in] == ["gomi"]  # no counter books it: 予約なしで立ち寄る
    with tenancy.using(city["city"]):
        single = itinerary.plan(_checklist({"children": "no"}))
    assert [s.counter.slug for s in single.stops] == ["shimin"]


def test_itineraries_chain_consecutive_free_slots_and_drop_what_cannot_be_completed(city):
    from madoguchi.reservations.models import CounterSlot

    with tenancy.using(city["city"]):
        p = itinerary.plan(_checklist({"children": "yes"}))
        day = _day(city["a"])
        options = itinerary.itineraries(p, day)
        # 9:00 at 市民課 for 45 min, 5 min up the stairs: 9:50 → the 10:00 slot upstairs.
        first = options[0]
        assert [(leg.stop.counter.slug, leg.start) for leg in first.legs] == [("shimin", dt.time(9)), ("kosodate", dt.time(10))]
        assert first.end == dt.time(10, 20)
        # 10:00 upstairs full: the 9:00 start waits for 10:30 (within the hour's wait).
        CounterSlot.objects.create(counter=city["b"], date=day, start=dt.time(10), end=dt.time(10, 30), capacity=2, booked=2)
        assert [leg.start for leg in itinerary.itineraries(p, day)[0].legs] == [dt.time(9), dt.time(10, 30)]
        # Nothing upstairs after 10:00: a start whose next counter has no slot is not offered.
        for t in (dt.time(10, 30), dt.time(11), dt.time(11, 30)):
            CounterSlot.objects.create(counter=city["b"], date=day, start=t, end=t, capacity=2, booked=2)
        assert itinerary.itineraries(p, day) == []
        # A closed day offers nothing.
        saturday = day + dt.timedelta(days=(5 - day.weekday()) % 7)
        assert itinerary.closed_reason(p, saturday) and itinerary.itineraries(p, saturday) == []


def _request(city, share=True, start=dt.time(9)):
    from madoguchi.guide.models import Guide

    guide = Guide.objects.get(slug="moving-in")
    answers = {"children": "yes", "abroad": "no"}
    return itinerary.PlanRequest(
        guide=guide,
        checklist=_checklist(answers),
        answers=answers,
        event_date=dt.date(2026, 4, 1),
        language="ja",
        day=_day(city["a"]),
        start=start,
        share=share,
    )


def test_booking_is_all_or_none_when_a_slot_goes_meanwhile(city, monkeypatch):
    from madoguchi.reservations import services as reservations
    from madoguchi.reservations.models import CounterSlot, Visit

    with tenancy.using(city["city"]):
        resident = ResidentFactory()
        req = _request(city)
        p = itinerary.plan(req.checklist)
        stale = itinerary.itineraries(p, req.day)  # what the resident saw
        # Someone else takes the last places of the second counter's slot before the resident books.
        CounterSlot.objects.create(counter=city["b"], date=req.day, start=dt.time(10), end=dt.time(10, 30), capacity=2, booked=2)
        monkeypatch.setattr(itinerary, "itineraries", lambda *a, **k: stale)
        with pytest.raises(reservations.BookingError) as exc:
            itinerary.book(resident, req)
        assert exc.value.rule == "full"
        assert not Visit.objects.exists() and not VisitPlan.objects.exists()
        assert not CounterSlot.objects.filter(counter=city["a"], booked__gt=0).exists()  # the first counter's place given back


def test_resident_books_the_whole_visit_and_gets_one_itinerary_with_ics(client, city, run_tasks, mailoutbox):
    from icalendar import Calendar

    from madoguchi.reservations.models import Visit

    query = {"q_children": "yes", "q_abroad": "no", "date": "2026-04-01", "lang": "ja"}
    visit_page = client.get(reverse("guide:checklist_visit", args=["moving-in"]), query, **HOST).content.decode()
    plan_url = reverse("guide:plan", args=["moving-in"])
    assert plan_url in visit_page
    with tenancy.using(city["city"]):
        day = _day(city["a"])
    page = client.get(plan_url, {**query, "day": day.isoformat()}, **HOST).content.decode()
    assert "09:00 市民課 転入・転出 → 10:00 子育て支援課 手当" in page and "前の窓口から歩いて約5分" in page
    assert "ごみの出し方の説明" in page and "ログインして予約する" in page  # walk-in step; sign in first
    assert 'name="share" id="share" value="1" aria-describedby="share_help">' in page  # not ticked: the resident chooses

    with tenancy.using(city["city"]):
        resident = ResidentFactory(email="r@example.jp")
        other = ResidentFactory()
    client.force_login(resident)
    response = client.post(reverse("guide:plan_book", args=["moving-in"]), {**query, "day": day.isoformat(), "start": "09:00", "share": "1"}, **HOST)
    assert response.status_code == 302
    with tenancy.using(city["city"]):
        plan = VisitPlan.objects.get(user=resident)
        visits = list(Visit.objects.filter(user=resident).order_by("slot__start"))
    assert response.url == reverse("guide:plan_detail", args=[plan.code])
    assert plan.shared and plan.answers == {"children": "yes", "abroad": "no"} and plan.event_date == dt.date(2026, 4, 1)
    assert [v.slot.start for v in visits] == [dt.time(9), dt.time(10)]
    assert f"まとめて来庁 {plan.code}（1/2か所目）" in visits[0].procedure and "転入届、国民健康保険の加入" in visits[0].procedure

    run_tasks()
    assert len(mailoutbox) == 1  # one itinerary, not one email per counter
    mail = mailoutbox[0]
    assert plan.code in mail.body and visits[0].code in mail.body and visits[1].code in mail.body
    assert "前の窓口から歩いて約5分" in mail.body
    name, content, mimetype = mail.attachments[0]
    assert name == f"visit-{plan.code}.ics" and mimetype.startswith("text/calendar")
    events = [c for c in Calendar.from_ical(content).walk("VEVENT")]
    assert [str(e["location"]) for e in events] == ["本庁舎１階 2番窓口", "本庁舎2階 7番窓口"]

    detail = client.get(reverse("guide:plan_detail", args=[plan.code]), **HOST).content.decode()
    assert visits[1].code in detail and "児童手当の認定請求" in detail
    assert client.get(reverse("guide:plan_ics", args=[plan.code]), **HOST)["Content-Type"].startswith("text/calendar")
    # Booking the same again: reservations' one-visit-a-day rule refuses it, nothing more is kept.
    again = client.post(reverse("guide:plan_book", args=["moving-in"]), {**query, "day": day.isoformat(), "start": "09:30"}, **HOST)
    assert again.status_code == 409 and "1日1件" in again.content.decode()
    with tenancy.using(city["city"]):
        assert VisitPlan.objects.count() == 1 and Visit.objects.count() == 2

    client.force_login(other)
    assert client.get(reverse("guide:plan_detail", args=[plan.code]), **HOST).status_code == 404
    client.force_login(resident)
    client.post(reverse("guide:plan_cancel", args=[plan.code]), **HOST)
    with tenancy.using(city["city"]):
        assert VisitPlan.objects.get().status == VisitPlan.Status.CANCELLED
        assert set(Visit.objects.values_list("status", flat=True)) == {Visit.Status.CANCELLED}


def test_bad_choice_keeps_the_answers_and_says_what_to_do(client, city):
    with tenancy.using(city["city"]):
        resident = ResidentFactory()
    client.force_login(resident)
    query = {"q_children": "yes", "date": "2026-04-01"}
    response = client.post(reverse("guide:plan_book", args=["moving-in"]), {**query, "day": "x", "start": "9時"}, **HOST)
    assert response.status_code == 400
    page = response.content.decode()
    assert "回る時間を一覧から選んでください" in page and 'name="q_children" value="yes"' in page
    assert client.post(reverse("guide:plan_book", args=["moving-in"]), query, HTTP_HOST="plan.localhost").status_code == 400
    client.logout()
    assert client.post(reverse("guide:plan_book", args=["moving-in"]), {**query, "day": "2026-04-02", "start": "09:00"}, **HOST).status_code == 302


def test_day_before_one_itinerary_reminder_through_the_channels_the_resident_chose(city, run_tasks, mailoutbox):
    from madoguchi.alerts.factories import SubscriptionFactory
    from madoguchi.reservations import services as reservations

    with tenancy.using(city["city"]):
        chose = ResidentFactory(email="account@example.jp")
        SubscriptionFactory(municipality=city["city"], user=chose, address="alerts@example.jp")
        plain = ResidentFactory(email="plain@example.jp")
        plan = itinerary.book(chose, _request(city))
        itinerary.book(plain, _request(city, start=dt.time(9, 30)))
    run_tasks()
    mailoutbox.clear()
    eve = timezone.make_aware(dt.datetime.combine(plan.date - dt.timedelta(days=1), dt.time(10)))
    two_days_before = eve - dt.timedelta(days=1)
    assert itinerary.send_reminders(now=two_days_before) == 0  # only the day before
    assert itinerary.send_reminders(now=eve) == 2
    assert itinerary.send_reminders(now=eve) == 0  # once
    with tenancy.using(city["city"]):
        assert reservations.send_reminders(now=eve) == 0  # no reminder per counter on top
    assert mailoutbox == []  # queued through the outbox, not sent in the call
    run_tasks()
    by_address = {m.to[0]: m for m in mailoutbox}
    assert set(by_address) == {"alerts@example.jp", "plain@example.jp"}  # the chosen channel, else the account
    body = by_address["alerts@example.jp"].body
    assert plan.code in body and "09:00〜 市民課 転入・転出" in body and "10:00〜 子育て支援課 手当" in body


def test_no_reminder_for_a_cancelled_visit(city, run_tasks, mailoutbox):
    with tenancy.using(city["city"]):
        resident = ResidentFactory()
        plan = itinerary.book(resident, _request(city))
        itinerary.cancel(plan, resident)
    eve = timezone.make_aware(dt.datetime.combine(plan.date - dt.timedelta(days=1), dt.time(10)))
    assert itinerary.send_reminders(now=eve) == 0
