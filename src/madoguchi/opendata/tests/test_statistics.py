"""Statistics datasets (issue #18 item 4): monthly application counts per procedure and the
オンライン化率 (applications), room usage rates (reservations), contributed through the
``datasets`` registry, refreshed by the periodic task, with small counts published as ``X``."""

import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.applications.factories import ProcedureFactory, SubmissionFactory
from madoguchi.applications.models import Submission
from madoguchi.core import tenancy
from madoguchi.core.factories import InformationPolicySectionFactory, ResidentFactory
from madoguchi.core.registry import datasets
from madoguchi.opendata import services
from madoguchi.opendata.models import Dataset, DatastoreRow
from madoguchi.opendata.tasks import refresh_statistics
from madoguchi.reservations.factories import UnitFactory
from madoguchi.reservations.models import Booking


def _last_month_noon() -> dt.datetime:
    last_day = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(last_day, dt.time(12)))


@pytest.fixture
def city(db, settings):
    settings.OPENDATA_SUPPRESS_BELOW = 5
    policy = InformationPolicySectionFactory()
    return policy.municipality


def test_monthly_counts_suppress_small_cells(city):
    with tenancy.using(city):
        p = ProcedureFactory(section__municipality=city, slug="juminhyo", name="住民票の写しの交付")
        when = _last_month_noon()
        for _i in range(6):
            SubmissionFactory(procedure=p, submitted_at=when, channel=Submission.Channel.ONLINE)
        for _i in range(2):
            SubmissionFactory(procedure=p, submitted_at=when, channel=Submission.Channel.COUNTER, status=Submission.Status.COMPLETED, closed_at=when)
        SubmissionFactory(procedure=p, submitted_at=when, status=Submission.Status.WITHDRAWN)  # not counted
        SubmissionFactory(procedure=p, submitted_at=timezone.now())  # this month: not yet counted
        plugin = datasets["application_counts"]
        (row,) = list(plugin.rows(city))
        assert row["年月"] == when.strftime("%Y-%m") and row["手続ID"] == "juminhyo"
        assert (row["オンライン受付件数"], row["窓口等受付件数"], row["処理件数"]) == (6, 2, 2)
        published = services.suppress_row(plugin, row, 5)
        assert (published["オンライン受付件数"], published["窓口等受付件数"], published["処理件数"]) == (6, "X", "X")
        assert services.suppress_row(plugin, {**row, "窓口等受付件数": 0}, 5)["窓口等受付件数"] == 0  # zero identifies nobody

        rate = datasets["online_rate"]
        rows = {r["年度"]: r for r in rate.rows(city)}
        past = rows[services_fy(when)]
        assert past["オンライン利用率（%）"] == "75.0"
        shown = services.suppress_row(rate, past, 5)
        assert shown["窓口等受付件数"] == "X" and shown["オンライン利用率（%）"] == "X"  # the rate would give the 2 away
        this_year = rows[max(rows)]
        assert this_year["公開手続数"] == 1 and this_year["手続のオンライン化率（%）"] == "100.0"

        text = services.generated_csv(plugin, city).decode("utf-8-sig")
        assert text.splitlines()[1].endswith(",6,X,X")


def services_fy(moment):
    from madoguchi.core.wareki import fiscal_year

    return fiscal_year(timezone.localtime(moment).date())


def test_room_usage_rate(city):
    with tenancy.using(city):
        unit = UnitFactory(facility__section__municipality=city, name="第1会議室")
        day = _last_month_noon().date()
        month_rows = lambda: [r for r in datasets["facility_usage"].rows(city) if r["年月"] == day.strftime("%Y-%m")]  # noqa: E731
        (before,) = month_rows()
        assert before["部屋名"] == "第1会議室" and before["予約済みの枠数"] == 0 and before["予約できた枠数"] > 0
        Booking.objects.create(unit=unit, date=day, start=dt.time(9), end=dt.time(12), user=ResidentFactory(), status=Booking.Status.CONFIRMED)
        Booking.objects.create(unit=unit, date=day, start=dt.time(13), end=dt.time(17), user=ResidentFactory(), status=Booking.Status.CANCELLED)
        (after,) = month_rows()
        assert after["予約済みの枠数"] == 1
        assert after["利用率（%）"] == f"{100 / after['予約できた枠数']:.1f}"


def test_periodic_task_publishes_the_statistics(city, run_tasks):
    with tenancy.using(city):
        p = ProcedureFactory(section__municipality=city)
        SubmissionFactory(procedure=p, submitted_at=_last_month_noon())
    assert refresh_statistics() >= 3
    run_tasks()
    with tenancy.using(city):
        ds = Dataset.objects.get(generator="application_counts")
        assert ds.is_published and ds.theme == "statistics"
        row = DatastoreRow.objects.get(version__resource__dataset=ds).data
        assert row["オンライン受付件数"] == "X" and row["全国地方公共団体コード"] == city.code
        assert Dataset.objects.filter(generator__in=["online_rate", "facility_usage"]).count() == 2
    assert all(not datasets[k].models() for k in ("application_counts", "online_rate", "facility_usage"))  # no write per submission


def test_a_lone_suppressed_cell_hides_a_second_one_in_its_fiscal_year():
    """オンライン化率 publishes each fiscal year's totals: with one X in a year, total − shown cells
    would give it away, so the year's next smallest cell is hidden too (secondary suppression)."""
    plugin = datasets["application_counts"]

    def row(year, month, online, counter=0):
        return {"年度": year, "年月": month, "オンライン受付件数": online, "窓口等受付件数": counter, "処理件数": 0}

    rows = [row(2025, "2025-04", 30), row(2025, "2025-05", 2), row(2025, "2025-06", 9), row(2025, "2025-07", 12), row(2026, "2026-04", 7)]
    shown = services.suppress_rows(plugin, rows, 5)
    assert [r["オンライン受付件数"] for r in shown] == [30, "X", "X", 12, 7]  # 9 hidden with the 2; 2026 untouched
    assert [r["窓口等受付件数"] for r in shown] == [0, 0, 0, 0, 0]
    two = services.suppress_rows(plugin, [row(2025, "2025-04", 3), row(2025, "2025-05", 2), row(2025, "2025-06", 9)], 5)
    assert [r["オンライン受付件数"] for r in two] == ["X", "X", 9]  # two X already: only their sum is known
