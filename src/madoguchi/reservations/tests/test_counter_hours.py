"""Issue #12 item 10: the counter page lists 受付時間 consistent with the closed days — never
「土 08:30〜17:00」 and then 「土日…は閉庁」; the closed days come from the municipality's data."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from madoguchi.reservations import services
from madoguchi.reservations.factories import CounterFactory

pytestmark = pytest.mark.django_db


def test_hours_list_only_open_weekdays():
    counter = CounterFactory(opens=dt.time(8, 30), closes=dt.time(17))  # default hours cover all 7 days
    rows, closed = services.visits.counter_hours(counter)
    assert [r["weekday"] for r in rows] == ["月", "火", "水", "木", "金"]
    assert all(r["hours"] == (dt.time(8, 30), dt.time(17)) for r in rows)
    assert closed == "土日・祝日・年末年始"
    counter.municipality.closes_year_end = False
    assert services.visits.counter_hours(counter)[1] == "土日・祝日"


def test_counter_page_does_not_contradict_itself(client):
    counter = CounterFactory(opens=dt.time(8, 30), closes=dt.time(17))
    html = client.get(reverse("reservations:counter", args=[counter.slug])).content.decode()
    hours = re.search(r"受付時間</dt><dd>(.*?)</dd>", html, re.S).group(1)
    assert "月 08:30〜17:00" in hours
    assert "土 " not in hours and "日 08:30" not in hours
    assert "土日・祝日・年末年始は閉庁" in hours
