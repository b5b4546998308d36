"""申請の統計 (issue #12 item 11): applications per month per procedure and the online share,
drawn as charts whose tables carry the counts, for the staff member's sections only."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from madoguchi.accounts.testing import login_staff
from madoguchi.applications import statistics
from madoguchi.applications.factories import ProcedureFactory, SubmissionFactory
from madoguchi.applications.models import Submission
from madoguchi.core.factories import SectionFactory, StaffFactory

JST = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def cases(city):
    shimin = SectionFactory(municipality=city, name="市民課")
    kosodate = SectionFactory(municipality=city, name="子育て支援課")
    tennyu = ProcedureFactory(section=shimin, name="転入届")
    juminhyo = ProcedureFactory(section=shimin, name="住民票の写しの請求")
    jido = ProcedureFactory(section=kosodate, name="児童手当の認定請求")

    def at(y, m, d, h=10):
        return dt.datetime(y, m, d, h, tzinfo=JST)

    made = [
        (tennyu, at(2026, 4, 2), Submission.Channel.ONLINE, Submission.Status.RECEIVED),
        (tennyu, at(2026, 4, 3), Submission.Channel.COUNTER, Submission.Status.COMPLETED),
        (juminhyo, at(2026, 4, 30, 23), Submission.Channel.API, Submission.Status.RECEIVED),
        # 00:30 JST on 5/1 is 4/30 in UTC: counted in May, as the resident sees it.
        (juminhyo, at(2026, 5, 1, 0), Submission.Channel.ONLINE, Submission.Status.REVIEWING),
        (tennyu, at(2027, 3, 31), Submission.Channel.ONLINE, Submission.Status.RECEIVED),
        (tennyu, at(2026, 6, 1), Submission.Channel.ONLINE, Submission.Status.WITHDRAWN),  # not counted
        (tennyu, at(2026, 3, 31), Submission.Channel.ONLINE, Submission.Status.RECEIVED),  # last fiscal year
        (jido, at(2026, 4, 10), Submission.Channel.ONLINE, Submission.Status.RECEIVED),  # another section
    ]
    for procedure, moment, channel, status in made:
        SubmissionFactory(procedure=procedure, submitted_at=moment.replace(minute=30 if moment.hour == 0 else 0), channel=channel, status=status)
    return {"shimin": shimin, "kosodate": kosodate}


def test_counts_by_month_procedure_and_channel_for_the_section(cases):
    clerk = StaffFactory(section=cases["shimin"])
    stats = statistics.for_user(clerk, 2026)
    assert (stats.total, stats.online, stats.share) == (5, 4, 80)
    table = stats.by_procedure.table()
    assert set(table.columns) == {"転入届", "住民票の写しの請求", "合計"}  # not 子育て支援課's procedure
    rows = dict(table.rows)
    assert [r[0] for r in table.rows][:2] == ["4月", "5月"] and table.rows[-1][0] == "3月"
    column = table.columns.index("住民票の写しの請求")
    assert rows["4月"][column] == "1件" and rows["5月"][column] == "1件"
    assert rows["4月"][-1] == "3件" and rows["3月"][-1] == "1件" and rows["6月"][-1] == "0件"
    channel = dict(stats.by_channel.table().rows)
    assert channel["4月"] == ("1件", "1件", "1件", "3件")  # オンライン, API, 窓口, 合計
    share = dict(stats.online_share.table().rows)
    assert share["4月"] == ("67%",) and share["5月"] == ("100%",) and share["6月"] == ("—",)


def test_statistics_page_for_staff(client, cases):
    clerk = StaffFactory(section=cases["kosodate"])
    login_staff(client, clerk)
    with time_machine.travel(dt.datetime(2026, 12, 4, 0, 30, tzinfo=JST), tick=False):
        html = client.get(reverse("applications:staff_statistics")).content.decode()
    assert "令和8年度の月別・手続別の申請件数" in html and html.count('role="img"') == 3
    assert "児童手当の認定請求" in html and "転入届" not in html
    assert re.search(r"<th scope=\"row\">4月</th><td class=\"chart__cell\">1件</td>", html)
    assert "数値を表で見る" in html
    other = client.get(reverse("applications:staff_statistics") + "?year=abc")
    assert other.status_code == 200


def test_statistics_page_needs_staff(client, resident):
    client.force_login(resident)
    assert client.get(reverse("applications:staff_statistics")).status_code == 403
