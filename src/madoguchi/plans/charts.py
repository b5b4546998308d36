"""The DX plan's pictures (issue #12 item 11), built on ``madoguchi.core.charts``: progress by
phase and by report status, achievement, indicators against their targets over the years, and
the plan's schedule as a Gantt timeline. Plain functions from the data the views already read."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from madoguchi.core.charts import BarChart, LineChart, Series, Timeline, TimelineBar, TimelineRow
from madoguchi.core.wareki import era_year, format_fiscal_year

from .models import Indicator, Phase, Plan, ProgressReport

# Phases drawn alike in the timeline (the legend names each group; the table names each phase).
PHASE_GROUPS = (
    ("検討・調査", {Phase.RESEARCH, Phase.STUDY}),
    ("準備・構築", {Phase.PREPARE, Phase.BUILD}),
    ("試行", {Phase.TRIAL}),
    ("運用・拡充", {Phase.OPERATE, Phase.EXPAND}),
    ("評価・完了", {Phase.EVALUATE, Phase.COMPLETE}),
    ("段階の記載なし", {""}),
)


def short_year(year: int) -> str:
    """2026 → 「R8」: the axis label when 「令和8年度」 does not fit (the table keeps the long form)."""
    era, n = era_year(dt.date(year, 12, 31))
    return f"{era.letter}{n}"


def _phase_kind(phase: str) -> int:
    return next((i for i, (_label, phases) in enumerate(PHASE_GROUPS) if phase in phases), len(PHASE_GROUPS) - 1)


def phase_chart(phases: list[tuple[str, int]], year: int) -> BarChart:
    return BarChart(
        title=f"{format_fiscal_year(year)}の段階別の取組数",
        categories=[label for label, _n in phases],
        series=[Series("取組数", [n for _label, n in phases])],
        unit="件",
        category_label="段階",
    )


def rating_chart(ratings: list[tuple[str, int]], year: int) -> BarChart:
    return BarChart(
        title=f"{format_fiscal_year(year)}の達成状況別の取組数",
        categories=[label for label, _n in ratings],
        series=[Series("取組数", [n for _label, n in ratings])],
        unit="件",
        category_label="達成状況",
    )


REPORT_STATUS_ORDER = (
    ProgressReport.Status.ACCEPTED,
    ProgressReport.Status.SUBMITTED,
    ProgressReport.Status.RETURNED,
    ProgressReport.Status.DRAFT,
)


def report_status_chart(statuses: Counter, item_count: int, year: int) -> BarChart:
    """How far the year's progress reports have come: 確認済 … 未作成, one bar each.
    ``statuses``: the year's reports counted by status (``services.dashboard``)."""
    categories = [str(ProgressReport.Status(s).label) for s in REPORT_STATUS_ORDER] + ["未作成"]
    values = [statuses.get(s, 0) for s in REPORT_STATUS_ORDER] + [item_count - sum(statuses.values())]
    return BarChart(
        title=f"{format_fiscal_year(year)}の進捗報告の状況",
        categories=categories,
        series=[Series("取組数", values)],
        unit="件",
        category_label="報告の状態",
    )


def achievement_chart(indicator_rows: list[dict], year: int) -> BarChart | None:
    """Each indicator's actual as a share of its target (the dashboard's 達成率)."""
    rows = [r for r in indicator_rows if r["ratio"] is not None]
    if not rows:
        return None
    ratios = [r["ratio"] for r in rows]
    return BarChart(
        title=f"{format_fiscal_year(year)}の指標の達成率（実績÷目標）",
        categories=[f"{r['item'].number} {r['indicator'].name}".strip() for r in rows],
        series=[Series("達成率", ratios)],
        unit="%",
        category_label="指標",
        max_value=max(100, *ratios),
    )


def indicator_chart(indicator: Indicator, years: list[int]) -> LineChart | None:
    """An indicator's actuals by fiscal year against its target (a dashed line)."""
    values = {v.fiscal_year: v.value for v in indicator.values.all()}
    periods = sorted(set(years) | set(values) | ({indicator.baseline_year} if indicator.baseline is not None and indicator.baseline_year else set()))
    if not periods or (not values and indicator.target is None):
        return None
    periods = list(range(periods[0], periods[-1] + 1))
    series = [Series("実績", [values.get(y) for y in periods])]
    if indicator.baseline is not None and indicator.baseline_year in periods:
        series.append(Series("基準値", [indicator.baseline if y == indicator.baseline_year else None for y in periods]))
    target = indicator.target
    target_label = f"目標（{format_fiscal_year(indicator.target_year)}）" if target is not None and indicator.target_year else "目標"
    return LineChart(
        title=f"{indicator.name}の実績と目標",
        id=f"indicator-{indicator.pk}-chart",
        periods=[format_fiscal_year(y) for y in periods],
        short_periods=[short_year(y) for y in periods],
        series=series,
        unit=indicator.unit,
        target=target,
        target_label=target_label,
        period_label="年度",
    )


def schedule_timeline(plan: Plan, items, years: list[int]) -> Timeline | None:
    """The plan's schedule as a Gantt chart: one row per item (and schedule line), a bar from
    the year an entry starts through the years it continues, labelled with what is done."""
    if not years:
        return None
    index = {y: i for i, y in enumerate(years)}
    rows = []
    for item in items:
        for track, cells in item.expanded_schedule(years).items():
            bars: list[TimelineBar] = []
            for year in sorted(cells):
                if year not in index:
                    continue
                cell = cells[year]
                if cell["start"] or not bars:
                    label = cell["text"] or cell["label"] or "予定あり"
                    bars.append(TimelineBar(index[year], index[year], label, _phase_kind(cell["phase"])))
                else:
                    last = bars[-1]
                    bars[-1] = TimelineBar(last.start, index[year], last.label, last.kind)
            title = f"{item.number} {item.title}".strip()
            rows.append(TimelineRow(f"{title}（{track}）" if track else title, bars))
    if not rows:
        return None
    return Timeline(
        title=f"{plan.title}のスケジュール",
        id=f"plan-{plan.pk}-timeline",
        periods=[format_fiscal_year(y) for y in years],
        short_periods=[short_year(y) for y in years],
        rows=rows,
        kinds=[label for label, _phases in PHASE_GROUPS],
        period_label="年度",
        row_label="取組",
    )


def evaluation_charts(plan: Plan, rows: list[list[str]]) -> list[BarChart]:
    """From the evaluation table itself (so the picture and the table cannot disagree): the
    achievement by rating, confirmed or not, and the direction of each item."""
    unconfirmed = "（未確認）"
    labels = [r["label"] for r in plan.rating_scale]
    confirmed, pending = Counter(), Counter()
    directions = Counter()
    for row in rows:
        rating, direction = row[4], row[5]
        if rating.endswith(unconfirmed):
            pending[rating[: -len(unconfirmed)]] += 1
        else:
            confirmed[rating] += 1
        directions[direction] += 1
    extra = sorted((set(confirmed) | set(pending)) - set(labels) - {""})
    categories = labels + extra + [""]
    rating = BarChart(
        title="達成状況別の取組数（最新の報告）",
        categories=[c or "報告なし" for c in categories],
        series=[Series("確認済", [confirmed.get(c, 0) for c in categories]), Series("未確認", [pending.get(c, 0) for c in categories])],
        unit="件",
        category_label="達成状況",
    )
    d_labels = [r["label"] for r in plan.direction_scale]
    d_categories = d_labels + sorted(set(directions) - set(d_labels) - {""}) + [""]
    direction = BarChart(
        title="今後の方向性別の取組数",
        categories=[c or "未記入" for c in d_categories],
        series=[Series("取組数", [directions.get(c, 0) for c in d_categories])],
        unit="件",
        category_label="方向性",
    )
    return [rating, direction]
