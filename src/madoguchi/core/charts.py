"""グラフ (charts): one mechanism for every chart on the platform — a plain data structure in,
accessible SVG out, rendered on the server (no JavaScript, no chart library).

    from madoguchi.core.charts import BarChart, Series
    chart = BarChart(title="段階別の取組数", categories=["検討", "構築"], series=[Series("取組数", [3, 5])],
                     unit="件", category_label="段階")
    {% load charts %}{% chart chart %}      # figure: SVG + its data table one click away

Kinds: ``BarChart`` (horizontal bars, one series or several stacked), ``LineChart`` (values over
periods against a target line) and ``Timeline`` (a Gantt chart: bars across periods). Each has
``svg()`` (the picture) and ``table()`` (the same numbers as a table, formatted by the same
function). The SVG is an image with a name (``role="img"``, ``<title>``, ``<desc>``), every
bar and point carries a text label, series differ by pattern or marker shape as well as by
colour (Digital Agency design-token colours, each dark enough for white text), and it scales
to its container through ``viewBox`` (drawn 340 units wide, so text is life-size on a 360 px
phone). Presentation attributes only, no ``style``: the strict CSP allows them.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

Number = int | float | Decimal

WIDTH = 340  # viewBox width: 1:1 at a 360 px viewport less the page's padding
FONT = 12
TEXT = "#1a1a1a"  # neutral-solid-gray-900
MUTED = "#4d4d4d"  # neutral-solid-gray-700
GRID = "#cccccc"  # neutral-solid-gray-200
# Digital Agency primitives, each with at least 4.5:1 against white (white text and pattern
# strokes stay legible on them), in an order where neighbours differ in hue and lightness.
PALETTE = (
    ("#0017c1", "blue-900"),
    ("#ac3e00", "orange-900"),
    ("#197a4b", "green-800"),
    ("#8b008b", "magenta-900"),
    ("#006173", "cyan-1000"),
    ("#5c10be", "purple-800"),
    ("#507500", "lime-900"),
    ("#4d4d4d", "solid-gray-700"),
)
# One pattern per series (white strokes over the colour), so series differ without colour too.
PATTERNS = (
    "",  # solid
    '<path d="M0 6L6 0M-1 1L1 -1M5 7L7 5" stroke="#fff" stroke-width="1.5"/>',  # diagonal
    '<circle cx="3" cy="3" r="1.3" fill="#fff"/>',  # dots
    '<path d="M0 3H6M3 0V6" stroke="#fff" stroke-width="1.2"/>',  # grid
    '<path d="M0 1.5H6M0 4.5H6" stroke="#fff" stroke-width="1"/>',  # horizontal lines
    '<path d="M0 0L6 6M-1 5L1 7M5 -1L7 1" stroke="#fff" stroke-width="1.5"/>',  # reverse diagonal
    '<path d="M1.5 0V6M4.5 0V6" stroke="#fff" stroke-width="1"/>',  # vertical lines
    '<path d="M0 6L6 0M0 0L6 6" stroke="#fff" stroke-width="1"/>',  # cross-hatch
)
PATTERN_NAMES = ("塗りつぶし", "斜線", "点", "格子", "横線", "逆斜線", "縦線", "網目")
MARKERS = ("circle", "square", "triangle", "diamond")
DASHES = ("", "6 3", "2 3", "8 3 2 3")


def format_number(value: Number | None, unit: str = "") -> str:
    """「1,234件」, 「12.5%」, 「—」 for no value: the one format of the picture and the table."""
    if value is None:
        return "—"
    d = Decimal(str(value))
    text = f"{int(d):,}" if d == d.to_integral_value() else format(d.quantize(Decimal("0.01")).normalize(), ",f")
    return f"{text}{unit}"


def text_width(text: str, size: float = FONT) -> float:
    """Rough advance of ``text``: full-width (Japanese) characters 1 em, others 0.6 em."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in text)


def fit(text: str, width: float, size: float = FONT) -> str:
    """``text`` cut with 「…」 to fit ``width`` (the full text stays in the table and <title>)."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…" if text else ""


@dataclass(frozen=True)
class Series:
    """系列: a label and one value per category or period (None where there is no value)."""

    label: str
    values: Sequence[Number | None]


@dataclass(frozen=True)
class Table:
    """The chart's numbers as a table: caption, header of the first column, column headers,
    rows of (row header, cells)."""

    caption: str
    corner: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]


class _Svg:
    """Builds one SVG document; ids are prefixed by the chart's so several charts share a page."""

    def __init__(self, chart_id: str):
        self.id = chart_id
        self.defs: list[str] = []
        self.body: list[str] = []

    def add(self, markup: str) -> None:
        self.body.append(markup)

    def text(self, x, y, text, *, size=FONT, anchor="start", fill=TEXT, weight="") -> None:
        bold = f' font-weight="{weight}"' if weight else ""
        self.add(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{bold}>{escape(text)}</text>')

    def fill_for(self, index: int) -> str:
        """Colour and pattern of series ``index``: a solid hex or a url() of a pattern."""
        colour = PALETTE[index % len(PALETTE)][0]
        pattern = PATTERNS[index % len(PATTERNS)]
        if not pattern:
            return colour
        pid = f"{self.id}-p{index}"
        if not any(f'id="{pid}"' in d for d in self.defs):
            self.defs.append(
                f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="{colour}"/>{pattern}</pattern>'
            )
        return f"url(#{pid})"

    def chip(self, x, y, text, *, anchor="middle") -> None:
        """A value on a white chip, legible over any colour or pattern."""
        w = text_width(text, 11) + 6
        left = {"middle": x - w / 2, "end": x - w}.get(anchor, x)
        self.add(f'<rect x="{left:.1f}" y="{y - 11:.1f}" width="{w:.1f}" height="14" rx="2" fill="#fff"/>')
        self.text(left + w / 2, y, text, size=11, anchor="middle")

    def legend(self, y: float, labels: Sequence[str], fills: Sequence[str]) -> float:
        """Swatches with their labels, wrapping across lines; returns the y below it."""
        x = 0.0
        for label, fill_ in zip(labels, fills, strict=True):
            w = 18 + text_width(label) + 12
            if x and x + w > WIDTH:
                x, y = 0.0, y + 20
            self.add(f'<rect x="{x:.1f}" y="{y:.1f}" width="14" height="14" fill="{fill_}" stroke="{TEXT}" stroke-width="0.5"/>')
            self.text(x + 18, y + 11.5, label)
            x += w
        return y + 24

    def render(self, title: str, description: str, height: float) -> SafeString:
        t, d = f"{self.id}-title", f"{self.id}-desc"
        defs = f"<defs>{''.join(self.defs)}</defs>" if self.defs else ""
        return mark_safe(  # noqa: S308 — every text above went through escape()
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart__svg" role="img" aria-labelledby="{t} {d}" '
            f'viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" font-family="inherit">'
            f'<title id="{t}">{escape(title)}</title><desc id="{d}">{escape(description)}</desc>{defs}{"".join(self.body)}</svg>'
        )


@dataclass(frozen=True)
class _Chart:
    title: str
    description: str = ""
    id: str = ""

    kind = ""

    @property
    def chart_id(self) -> str:
        """Explicit, else derived from the content (stable across renders, unique per page
        unless the same chart is shown twice)."""
        return self.id or "chart-" + hashlib.sha1(repr(self).encode(), usedforsecurity=False).hexdigest()[:10]

    def summary(self) -> str:
        return self.description


@dataclass(frozen=True)
class BarChart(_Chart):
    """横棒グラフ: one bar per category; several series are stacked in one bar (legend and
    table give each part). ``max_value`` fixes the scale (100 for percentages)."""

    categories: Sequence[str] = ()
    series: Sequence[Series] = ()
    unit: str = ""
    category_label: str = ""
    max_value: Number | None = None
    total_label: str = "合計"

    kind = "bar"

    def totals(self) -> list[Number | None]:
        """Each bar's length; None (shown 「—」) where every series has no value."""
        totals = []
        for i in range(len(self.categories)):
            values = [s.values[i] for s in self.series if s.values[i] is not None]
            totals.append(sum(values) if values else None)
        return totals

    def table(self) -> Table:
        stacked = len(self.series) > 1
        columns = tuple(s.label for s in self.series) + ((self.total_label,) if stacked else ())
        rows = []
        for i, category in enumerate(self.categories):
            cells = [format_number(s.values[i], self.unit) for s in self.series]
            if stacked:
                cells.append(format_number(self.totals()[i], self.unit))
            rows.append((category, tuple(cells)))
        return Table(self.title, self.category_label, columns, tuple(rows))

    def summary(self) -> str:
        if self.description:
            return self.description
        parts = [f"{c}: {format_number(t, self.unit)}" for c, t in zip(self.categories, self.totals(), strict=True)]
        return "、".join(parts)

    def svg(self) -> SafeString:
        out = _Svg(self.chart_id)
        fills = [out.fill_for(i) for i in range(len(self.series))]
        y = 4.0
        if len(self.series) > 1:
            y = out.legend(y, [s.label for s in self.series], fills)
        totals = self.totals()
        top = float(self.max_value or max([float(t) for t in totals if t is not None] + [0.0])) or 1.0
        label_w = max([text_width(c) for c in self.categories] + [0.0])
        beside = label_w <= WIDTH * 0.28  # short labels (months) on the left, long ones above
        x0 = label_w + 8 if beside else 0.0
        value_w = max([text_width(format_number(t, self.unit)) for t in totals] + [0.0]) + 6
        span = WIDTH - x0 - value_w
        bar_h = 18
        for i, category in enumerate(self.categories):
            if beside:
                out.text(x0 - 6, y + 13, category, anchor="end")
            else:
                out.text(0, y + 12, fit(category, WIDTH))
                y += 17
            x = x0
            for s_index, s in enumerate(self.series):
                value = float(s.values[i] or 0)
                w = span * min(value, top) / top
                if w <= 0:
                    continue
                label = f"{s.label}: {format_number(s.values[i], self.unit)}"
                out.add(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{bar_h}" fill="{fills[s_index]}"><title>{escape(label)}</title></rect>')
                if len(self.series) > 1 and w >= text_width(format_number(s.values[i]), 11) + 10:
                    out.chip(x + w / 2, y + 13, format_number(s.values[i]))
                x += w
            out.add(f'<line x1="{x0:.1f}" y1="{y - 2:.1f}" x2="{x0:.1f}" y2="{y + bar_h + 2:.1f}" stroke="{TEXT}"/>')
            out.text(x + 4, y + 13, format_number(totals[i], self.unit), weight="bold")
            y += bar_h + 10
        return out.render(self.title, self.summary(), y)


def _axis_labels(labels: Sequence[str], short: Sequence[str] | None, room: float) -> Sequence[str]:
    if short and max((text_width(t, 11) for t in labels), default=0) > room * 0.85:
        return short
    return labels


def _nice_top(value: float) -> tuple[float, float]:
    """A round upper bound of the scale and its tick step (for 0 – 1,000 → 1,000 and 250)."""
    if value <= 0:
        return 1.0, 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10):
        s = step * magnitude
        if value / s <= 4:
            top = s * -(-value // s)
            return float(top), float(s)
    return float(value), float(value) / 4


@dataclass(frozen=True)
class LineChart(_Chart):
    """折れ線グラフ: values over periods (e.g. an indicator's actuals by fiscal year) with an
    optional horizontal target line. Series differ by marker shape and dash as well as colour."""

    periods: Sequence[str] = ()
    series: Sequence[Series] = ()
    unit: str = ""
    target: Number | None = None
    target_label: str = "目標"
    period_label: str = ""
    short_periods: Sequence[str] | None = None

    kind = "line"

    def table(self) -> Table:
        columns = tuple(s.label for s in self.series) + ((self.target_label,) if self.target is not None else ())
        rows = []
        for i, period in enumerate(self.periods):
            cells = [format_number(s.values[i], self.unit) for s in self.series]
            if self.target is not None:
                cells.append(format_number(self.target, self.unit))
            rows.append((period, tuple(cells)))
        return Table(self.title, self.period_label, columns, tuple(rows))

    def summary(self) -> str:
        if self.description:
            return self.description
        parts = []
        for s in self.series:
            known = [(p, v) for p, v in zip(self.periods, s.values, strict=True) if v is not None]
            text = "、".join(f"{p} {format_number(v, self.unit)}" for p, v in known) or "値なし"
            parts.append(f"{s.label}: {text}")
        if self.target is not None:
            parts.append(f"{self.target_label}: {format_number(self.target, self.unit)}")
        return "。".join(parts)

    def svg(self) -> SafeString:
        out = _Svg(self.chart_id)
        y = 4.0
        labels = [s.label for s in self.series] + ([self.target_label] if self.target is not None else [])
        if len(labels) > 1:
            y = self._legend(out, y)
        values = [float(v) for s in self.series for v in s.values if v is not None]
        if self.target is not None:
            values.append(float(self.target))
        top, step = _nice_top(max(values + [0.0]))
        tick_w = max(text_width(format_number(step * k), 11) for k in range(int(round(top / step)) + 1)) + 6
        left, right, plot_top, plot_h = tick_w, WIDTH - 8, y + 14, 150
        bottom = plot_top + plot_h
        n = max(len(self.periods), 1)
        slot = (right - left) / n
        xs = [left + slot * (i + 0.5) for i in range(n)]

        def y_of(v: float) -> float:
            return bottom - plot_h * v / top

        k = 0
        while step * k <= top + 1e-9:
            ty = y_of(step * k)
            out.add(f'<line x1="{left:.1f}" y1="{ty:.1f}" x2="{right:.1f}" y2="{ty:.1f}" stroke="{GRID}"/>')
            out.text(left - 4, ty + 4, format_number(step * k), size=11, anchor="end", fill=MUTED)
            k += 1
        out.add(f'<line x1="{left:.1f}" y1="{bottom:.1f}" x2="{right:.1f}" y2="{bottom:.1f}" stroke="{TEXT}"/>')
        for x, label in zip(xs, _axis_labels(self.periods, self.short_periods, slot - 2), strict=True):
            out.text(x, bottom + 16, label, size=11, anchor="middle")
        if self.target is not None:
            ty = y_of(float(self.target))
            out.add(f'<line x1="{left:.1f}" y1="{ty:.1f}" x2="{right:.1f}" y2="{ty:.1f}" stroke="{TEXT}" stroke-width="1.5" stroke-dasharray="5 4"/>')
            out.chip(right, ty - 4, f"{self.target_label} {format_number(self.target, self.unit)}", anchor="end")
        for s_index, s in enumerate(self.series):
            colour = PALETTE[s_index % len(PALETTE)][0]
            dash = DASHES[s_index % len(DASHES)]
            points = [(xs[i], y_of(float(v)), v) for i, v in enumerate(s.values) if v is not None]
            runs, run = [], []
            for i, v in enumerate(s.values):  # a missing value breaks the line
                if v is None:
                    runs, run = runs + [run] if run else runs, []
                else:
                    run.append((xs[i], y_of(float(v))))
            runs += [run] if run else []
            for r in runs:
                if len(r) > 1:
                    d = " ".join(f"{'M' if j == 0 else 'L'}{px:.1f} {py:.1f}" for j, (px, py) in enumerate(r))
                    extra = f' stroke-dasharray="{dash}"' if dash else ""
                    out.add(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2.5"{extra}/>')
            for px, py, v in points:
                out.add(_marker(MARKERS[s_index % len(MARKERS)], px, py, colour, f"{s.label}: {format_number(v, self.unit)}"))
                out.text(px, py - 9, format_number(v, self.unit), size=11, anchor="middle", weight="bold")
        return out.render(self.title, self.summary(), bottom + 24)

    def _legend(self, out: _Svg, y: float) -> float:
        x = 0.0
        entries = [(s.label, s_index) for s_index, s in enumerate(self.series)] + [(self.target_label, -1)]
        for label, s_index in entries[: len(self.series) + (1 if self.target is not None else 0)]:
            w = 28 + text_width(label) + 12
            if x and x + w > WIDTH:
                x, y = 0.0, y + 20
            if s_index < 0:
                out.add(f'<line x1="{x:.1f}" y1="{y + 7:.1f}" x2="{x + 22:.1f}" y2="{y + 7:.1f}" stroke="{TEXT}" stroke-width="1.5" stroke-dasharray="5 4"/>')
            else:
                colour = PALETTE[s_index % len(PALETTE)][0]
                out.add(f'<line x1="{x:.1f}" y1="{y + 7:.1f}" x2="{x + 22:.1f}" y2="{y + 7:.1f}" stroke="{colour}" stroke-width="2.5"/>')
                out.add(_marker(MARKERS[s_index % len(MARKERS)], x + 11, y + 7, colour, ""))
            out.text(x + 28, y + 11.5, label)
            x += w
        return y + 22


def _marker(shape: str, x: float, y: float, colour: str, label: str) -> str:
    tip = f"<title>{escape(label)}</title>" if label else ""
    common = f'fill="{colour}" stroke="#fff" stroke-width="1"'
    if shape == "square":
        return f'<rect x="{x - 4.5:.1f}" y="{y - 4.5:.1f}" width="9" height="9" {common}>{tip}</rect>'
    if shape == "triangle":
        return f'<path d="M{x:.1f} {y - 6:.1f}L{x + 5.5:.1f} {y + 4:.1f}L{x - 5.5:.1f} {y + 4:.1f}Z" {common}>{tip}</path>'
    if shape == "diamond":
        return f'<path d="M{x:.1f} {y - 6:.1f}L{x + 6:.1f} {y:.1f}L{x:.1f} {y + 6:.1f}L{x - 6:.1f} {y:.1f}Z" {common}>{tip}</path>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" {common}>{tip}</circle>'


@dataclass(frozen=True)
class TimelineBar:
    """A bar from period index ``start`` to ``end`` (inclusive); ``kind`` indexes ``Timeline.kinds``."""

    start: int
    end: int
    label: str
    kind: int = 0


@dataclass(frozen=True)
class TimelineRow:
    label: str
    bars: Sequence[TimelineBar] = ()


@dataclass(frozen=True)
class Timeline(_Chart):
    """ガントチャート: rows of bars across periods (fiscal years), each bar labelled with what
    happens; ``kinds`` names the bar categories (legend: colour and pattern)."""

    periods: Sequence[str] = ()
    rows: Sequence[TimelineRow] = ()
    kinds: Sequence[str] = ()
    period_label: str = ""
    row_label: str = ""
    short_periods: Sequence[str] | None = None
    continued: str = "（継続）"
    empty: str = "—"

    kind = "timeline"

    def cell(self, row: TimelineRow, period: int) -> str:
        texts = []
        for bar in row.bars:
            if bar.start == period:
                texts.append(bar.label)
            elif bar.start < period <= bar.end:
                texts.append(f"{bar.label}{self.continued}")
        return "、".join(texts) or self.empty

    def table(self) -> Table:
        rows = tuple((row.label, tuple(self.cell(row, i) for i in range(len(self.periods)))) for row in self.rows)
        return Table(self.title, self.row_label, tuple(self.periods), rows)

    def summary(self) -> str:
        if self.description:
            return self.description
        first, last = (self.periods[0], self.periods[-1]) if self.periods else ("", "")
        return f"{len(self.rows)}行、{first}から{last}まで。各行の内容は表で読めます。"

    def svg(self) -> SafeString:
        out = _Svg(self.chart_id)
        fills = [out.fill_for(i) for i in range(len(self.kinds))]
        y = out.legend(4.0, list(self.kinds), fills) if self.kinds else 4.0
        n = max(len(self.periods), 1)
        col = WIDTH / n
        header_y = y
        for i, label in enumerate(_axis_labels(self.periods, self.short_periods, col - 2)):
            out.text(col * (i + 0.5), y + 12, label, size=11, anchor="middle", weight="bold")
        y += 20
        body_top = y
        grid_at = len(out.body)  # the period lines go under the bars
        bar_h = 20
        for row in self.rows:
            out.text(0, y + 12, fit(row.label, WIDTH))
            y += 16
            for bar in row.bars:
                start, end = max(bar.start, 0), min(bar.end, n - 1)
                if end < start:
                    continue
                x, w = col * start + 1, col * (end - start + 1) - 2
                fill_ = fills[bar.kind] if 0 <= bar.kind < len(fills) else PALETTE[-1][0]
                tip = f"{row.label}: {self.periods[start]}〜{self.periods[end]} {bar.label}"
                out.add(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{bar_h}" rx="3" fill="{fill_}"><title>{escape(tip)}</title></rect>')
                text = fit(bar.label, w - 10, 11)
                if text:
                    out.chip(x + 3, y + 14, text, anchor="start")
            y += bar_h + 8
        grid = [f'<line x1="{col * i:.1f}" y1="{header_y:.1f}" x2="{col * i:.1f}" y2="{y:.1f}" stroke="{GRID}"/>' for i in range(n + 1)]
        out.body[grid_at:grid_at] = grid
        out.add(f'<line x1="0" y1="{body_top - 2:.1f}" x2="{WIDTH}" y2="{body_top - 2:.1f}" stroke="{TEXT}"/>')
        return out.render(self.title, self.summary(), y + 4)


@dataclass(frozen=True)
class Figure:
    """What the ``{% chart %}`` tag renders: the SVG, its table and the ids that tie them."""

    chart: _Chart
    svg: SafeString = field(default=mark_safe(""))
    table: Table | None = None


def figure(chart: _Chart) -> Figure:
    return Figure(chart=chart, svg=chart.svg(), table=chart.table())
