"""一回の来庁: from a checklist's visit plan, one counter visit booked through reservations'
counter page with its form filled in (procedures, time, the chosen details), the confirmation
and the day-before reminder carrying them."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from madoguchi.applications.factories import ProcedureFactory
from madoguchi.core import tenancy
from madoguchi.core.factories import MunicipalityFactory, ResidentFactory, SectionFactory
from madoguchi.core.models import MunicipalityDomain
from madoguchi.guide import visit
from madoguchi.guide.factories import GuideFactory, simple_definition

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "visit.localhost"}


def _definition() -> dict:
    defn = simple_definition()
    # 国民健康保険 at the same counter, 児童手当 at 子育て支援課 (a place, no booking link).
    defn["groups"][0]["steps"].append({"key": "kokuho", "procedure": "kokuho", "minutes": 15, "when": {"children": "yes"}})
    return defn


@pytest.fixture
def city(db):
    from madoguchi.reservations.factories import CounterFactory

    city = MunicipalityFactory()
    MunicipalityDomain.objects.create(municipality=city, domain="visit.localhost", is_primary=True)
    with tenancy.using(city):
        shimin = SectionFactory(municipality=city, name="市民課", location="本庁舎1階")
        ProcedureFactory(section=shimin, slug="tennyu", name="転入届", required_documents="本人確認書類\n転出証明書", fee=0, form=None, online=False)
        ProcedureFactory(section=shimin, slug="kokuho", name="国民健康保険の加入", required_documents="本人確認書類", fee=0, form=None, online=False)
        counter = CounterFactory(section=shimin, slug="tennyu-madoguchi", name="市民課 転入・転出", procedures="転入届;国民健康保険の加入", location="1階 2番")
        GuideFactory(section=shimin, slug="moving-in", definition=_definition())
    return {"city": city, "counter": counter}


def _checklist(answers):
    from madoguchi.guide import services
    from madoguchi.guide.models import Guide

    guide = Guide.objects.get(slug="moving-in")
    return services.checklist(guide.published, answers, event_date=dt.date(2026, 4, 1))


def test_plan_and_prefill_put_procedures_first_and_only_chosen_details(city):
    with tenancy.using(city["city"]):
        booking = visit.plan(_checklist({"children": "yes"}), date_label="令和8年4月1日")
    assert [s.title for s in booking.steps] == ["転入届", "国民健康保険の加入", "児童手当"]
    assert [c.name for c in booking.counters] == ["市民課 転入・転出"]  # one counter, once
    assert booking.bring == ["本人確認書類", "転出証明書"] and booking.minutes == 45
    assert [d.key for d in booking.details] == ["date", "a1", "bring"]
    text, left_out = visit.prefill(booking, "転入", {"bring"})
    assert text.startswith("手続きガイド「転入」: 転入届、国民健康保険の加入、児童手当。")
    assert "約45分" in text and "持ち物: 本人確認書類、転出証明書" in text
    assert "お子さん" not in text and "令和8年" not in text and left_out == []
    text, _ = visit.prefill(booking, "転入", {"date", "a1"})
    assert "基準日: 令和8年4月1日" in text and "お子さんがいますか: はい" in text and "持ち物" not in text


def test_prefill_never_exceeds_the_booking_field_and_says_what_did_not_fit(city):
    with tenancy.using(city["city"]):
        booking = visit.plan(_checklist({"children": "yes"}))
    booking.bring = [f"書類{i}（原本とコピー）" for i in range(20)]
    text, left_out = visit.prefill(booking, "転入", {"bring", "a1"})
    assert len(text) <= visit.PROCEDURE_MAX and "転入届" in text
    assert left_out and all(item.startswith("持ち物: 書類") or item.startswith("お子さん") for item in left_out)
    placed = [b for b in booking.bring if b in text]
    assert len(placed) + sum(1 for x in left_out if x.startswith("持ち物")) == 20


def test_one_visit_booked_on_the_counter_page_with_the_form_filled_in(client, city, run_tasks, mailoutbox):
    from madoguchi.reservations import services as reservations
    from madoguchi.reservations.models import Visit

    query = {"q_children": "yes", "date": "2026-04-01", "lang": "ja"}
    page = client.get(reverse("guide:checklist", args=["moving-in"]), query, **HOST).content.decode()
    visit_url = reverse("guide:checklist_visit", args=["moving-in"])
    assert visit_url in page  # the visit plan offers the one booking
    page = client.get(visit_url, query, **HOST).content.decode()
    assert "約45分" in page and "市民課 転入・転出（1階 2番）" in page and "転出証明書" in page
    assert 'value="bring" checked' in page and 'value="a1">' in page  # answers only when ticked

    # Not signed in: sign in first, then straight to the filled-in booking form.
    response = client.get(visit_url, {**query, "book": "1", "counter": "0", "carry": ["bring", "a1"]}, **HOST)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    target = parse_qs(urlsplit(response.url).query)["next"][0]
    assert target.startswith(reverse("reservations:counter", args=["tennyu-madoguchi"]))
    with tenancy.using(city["city"]):
        resident = ResidentFactory(email="resident@example.jp")
    client.force_login(resident)
    response = client.get(visit_url, {**query, "book": "1", "counter": "0", "carry": ["bring", "a1"]}, **HOST)
    assert response.url == target
    text = parse_qs(urlsplit(target).query)["procedure"][0]
    assert "国民健康保険の加入" in text and "お子さんがいますか: はい" in text and "基準日" not in text

    with tenancy.using(city["city"]):
        days = [d["date"] for d in reservations.counter_dates(city["counter"]) if not d["closed"] and d["date"] > timezone.localdate()]
    day = days[0]
    counter_page = client.get(target, **HOST).content.decode()
    assert 'name="procedure"' in counter_page and "国民健康保険の加入" in counter_page
    assert "procedure=" in counter_page.split("day-picker", 1)[1]  # picking another day keeps it
    booked = client.post(
        f"{reverse('reservations:counter', args=['tennyu-madoguchi'])}?date={day}", {"start": "09:00", "mode": "in_person", "procedure": text}, **HOST
    )
    assert booked.status_code == 302
    with tenancy.using(city["city"]):
        v = Visit.objects.get(user=resident)
        assert v.procedure == text
        # The day-before reminder (reservations, through core.notify) names the procedures too.
        eve = timezone.make_aware(dt.datetime.combine(day - dt.timedelta(days=1), dt.time(10)))
        assert reservations.send_reminders(now=eve) >= 1
    run_tasks()
    assert len(mailoutbox) == 2
    assert all("転入届、国民健康保険の加入、児童手当" in m.body and "持ち物: 本人確認書類" in m.body for m in mailoutbox)


def test_visit_page_without_in_person_steps_or_a_bookable_counter(client, city):
    with tenancy.using(city["city"]):
        from madoguchi.reservations.models import Counter

        Counter.objects.update(is_public=False)
    page = client.get(reverse("guide:checklist_visit", args=["moving-in"]), {"q_children": "no"}, **HOST).content.decode()
    assert "予約できる窓口がありません" in page
    bad = client.get(reverse("guide:checklist_visit", args=["moving-in"]), {"date": "あした"}, **HOST)
    assert bad.status_code == 302  # the questionnaire again


def test_visit_from_a_saved_checklist_leaves_out_steps_ticked_off(client, city):
    from madoguchi.guide.models import SavedChecklist

    with tenancy.using(city["city"]):
        resident = ResidentFactory()
    client.force_login(resident)
    client.post(reverse("guide:checklist_save", args=["moving-in"]), {"q_children": "yes", "date": "2026-04-01"}, **HOST)
    with tenancy.using(city["city"]):
        saved = SavedChecklist.objects.get(user=resident)
    client.post(reverse("guide:my_done", args=[saved.pk]), {"step": "tennyu", "done": "1"}, **HOST)
    page = client.get(reverse("guide:my_detail", args=[saved.pk]), **HOST).content.decode()
    link = page.split(reverse("guide:checklist_visit", args=["moving-in"]), 1)[1].split('"', 1)[0]
    assert "done=tennyu" in link
    visit_page = client.get(reverse("guide:checklist_visit", args=["moving-in"]) + link.replace("&amp;", "&"), **HOST).content.decode()
    order = visit_page.split("回る順番", 1)[1].split("</ol>", 1)[0]
    assert "国民健康保険の加入" in order and "転入届" not in order
    assert 'name="done" value="tennyu"' in visit_page  # kept when going on to the booking
