"""Issue #12 item 3: every date shown is the day in Asia/Tokyo. Between 0:00 and 9:00 JST the
UTC day is the day before; these run the date displays at 00:30 JST on 2026-12-04 (15:30 UTC on
12-03) with the clock held by time-machine."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from madoguchi.core import wareki

JST = zoneinfo.ZoneInfo("Asia/Tokyo")
AT_0030_JST = dt.datetime(2026, 12, 4, 0, 30, tzinfo=JST)


@pytest.fixture
def half_past_midnight():
    with time_machine.travel(AT_0030_JST, tick=False):
        assert timezone.now().astimezone(dt.UTC).day == 3  # the UTC day is still the 3rd
        yield timezone.now()


def test_helpers_show_the_tokyo_day(half_past_midnight):
    now = half_past_midnight
    utc_now = now.astimezone(dt.UTC)
    assert wareki.local_date(utc_now) == dt.date(2026, 12, 4)
    assert wareki.format_wareki(utc_now) == "令和8年12月4日"
    assert wareki.format_wareki(utc_now, with_weekday=True) == "令和8年12月4日(金)"
    assert wareki.format_wareki_datetime(utc_now) == "令和8年12月4日 0時30分"
    # a date (not a moment) is shown as it is
    assert wareki.format_wareki(dt.date(2026, 12, 3)) == "令和8年12月3日"


def test_template_filters_show_the_tokyo_day(half_past_midnight):
    html = Template('{{ t|wareki }}|{{ t|wareki:"weekday" }}|{{ t|wareki_datetime }}|{{ t|date:"n月j日" }}').render(
        Context({"t": half_past_midnight.astimezone(dt.UTC)})
    )
    assert html == "令和8年12月4日|令和8年12月4日(金)|令和8年12月4日 0時30分|12月4日"


def test_application_status_page_shows_the_tokyo_day(client, db, half_past_midnight):
    from madoguchi.applications.factories import SubmissionFactory

    submission = SubmissionFactory()
    client.force_login(submission.applicant)
    html = client.get(reverse("applications:my_list")).content.decode()
    assert "令和8年12月4日" in html and "令和8年12月3日" not in html
    html = client.get(reverse("applications:my_detail", args=[submission.uuid])).content.decode()
    assert "令和8年12月4日 0時30分" in html


def test_home_page_and_alert_list_agree_on_the_day(client, db, half_past_midnight):
    from madoguchi.alerts.factories import NoticeFactory
    from madoguchi.alerts.models import Notice

    NoticeFactory(status=Notice.Status.SENT, sent_at=timezone.now(), title="給水のお知らせ")
    home = client.get("/").content.decode()
    listing = client.get(reverse("alerts:notice_list")).content.decode()
    assert "給水のお知らせ" in home and "令和8年12月4日" in home and "令和8年12月3日" not in home
    assert "令和8年12月4日 0時30分" in listing
