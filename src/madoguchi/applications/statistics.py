"""申請の統計 (issue #12 item 11): applications received per month of a fiscal year, by
procedure and by channel, and the online share — scoped to the sections the staff member may
see (``core.permissions.scope``). Counted as the ``online_applications`` metric counts: every
submitted application but drafts and withdrawn ones, on its day in Asia/Tokyo."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import TruncMonth

from madoguchi.core.charts import BarChart, Series
from madoguchi.core.permissions import scope
from madoguchi.core.wareki import fiscal_year_range, format_fiscal_year

from .models import Procedure, Submission

MONTHS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)  # a fiscal year, April to March
TOP_PROCEDURES = 5  # more would make the stacked bars unreadable; the rest are 「その他の手続」
ONLINE = (Submission.Channel.ONLINE, Submission.Channel.API)


@dataclass(frozen=True)
class Statistics:
    fiscal_year: int
    total: int
    online: int
    by_procedure: BarChart
    by_channel: BarChart
    online_share: BarChart

    @property
    def share(self) -> int | None:
        return round(100 * self.online / self.total) if self.total else None


def received_in(fiscal_year: int):
    """Applications received in a fiscal year (submitted, not withdrawn): the one definition the
    statistics page, the plan metric and the published figures share."""
    start, end = fiscal_year_range(fiscal_year)
    qs = Submission.objects.filter(submitted_at__date__gte=start, submitted_at__date__lte=end)
    return qs.exclude(status__in=[Submission.Status.DRAFT, Submission.Status.WITHDRAWN])


def received(user, fiscal_year: int):
    """The applications of the fiscal year the user may see (their sections; all for the admin)."""
    return scope(user, received_in(fiscal_year), "section")


def _month_index(moment) -> int:
    return MONTHS.index(moment.month)


def for_user(user, fiscal_year: int) -> Statistics:
    rows = received(user, fiscal_year).annotate(month=TruncMonth("submitted_at")).values("month", "procedure_id", "channel").annotate(n=Count("id"))
    per_procedure: Counter = Counter()
    cells: Counter = Counter()  # (month index, procedure id) → n
    channels: Counter = Counter()  # (month index, channel) → n
    for row in rows:
        m = _month_index(row["month"])
        per_procedure[row["procedure_id"]] += row["n"]
        cells[(m, row["procedure_id"])] += row["n"]
        channels[(m, row["channel"])] += row["n"]
    top = [pid for pid, _n in per_procedure.most_common(TOP_PROCEDURES)]
    names = dict(Procedure.objects.filter(pk__in=top).values_list("pk", "name"))
    months = [f"{m}月" for m in MONTHS]
    fy = format_fiscal_year(fiscal_year)
    series = [Series(names.get(pid, "—"), [cells[(i, pid)] for i in range(12)]) for pid in top]
    rest = [sum(n for (i, pid), n in cells.items() if i == month and pid not in top) for month in range(12)]
    if any(rest):
        series.append(Series("その他の手続", rest))
    by_procedure = BarChart(
        title=f"{fy}の月別・手続別の申請件数",
        categories=months,
        series=series or [Series("申請件数", [0] * 12)],
        unit="件",
        category_label="月",
    )
    channel_order = [Submission.Channel.ONLINE, Submission.Channel.API, Submission.Channel.COUNTER]
    by_channel = BarChart(
        title=f"{fy}の月別・受付方法別の申請件数",
        categories=months,
        series=[Series(str(c.label), [channels[(i, c.value)] for i in range(12)]) for c in channel_order],
        unit="件",
        category_label="月",
    )
    shares = []
    for i in range(12):
        total = sum(channels[(i, c.value)] for c in channel_order)
        online = sum(channels[(i, c.value)] for c in ONLINE)
        shares.append(round(100 * online / total) if total else None)
    online_share = BarChart(
        title=f"{fy}の月別のオンライン申請の割合（オンライン・API ÷ 全受付）",
        categories=months,
        series=[Series("オンラインの割合", shares)],
        unit="%",
        category_label="月",
        max_value=100,
    )
    total = sum(channels.values())
    online = sum(n for (_i, c), n in channels.items() if c in ONLINE)
    return Statistics(fiscal_year, total, online, by_procedure, by_channel, online_share)
