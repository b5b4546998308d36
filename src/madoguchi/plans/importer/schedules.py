"""Schedules in the forms plans print them: a row of year headers (令和5年度, 平成28年度, R8,
2026年度, H28) over value rows that may sit one column left of their years; year and value in
one cell (「平成28年度 検討」); arrows and continuation marks (⇒ → ━ ― 継続) meaning "the phase
before goes on"; empty cells. Values normalise to the phases; the text as printed is kept."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .clean import clean
from .phases import normalise_phase
from .preview import PScheduleEntry, fiscal_year_of

CONTINUE_MARKS = {"→", "⇒", "⇨", "━", "―", "－", "-", "─", "…", "‥", "〃", "同上", "継続", "継続実施", "↓"}
_YEAR_HEAD = re.compile(r"^((?:令和|平成|R|H)\s*(?:元|\d{1,2})\s*(?:[(（]\s*\d{4}\s*[)）])?\s*年?度?|(?:19|20)\d\d\s*年?度?)")


def _mark(text: str) -> bool:
    t = re.sub(r"\s+", "", text)
    return bool(t) and (t in CONTINUE_MARKS or bool(re.fullmatch(r"[→⇒⇨━―─－\-…>＞]+", t)))


@dataclass
class ScheduleHeader:
    label_col: int
    years: dict[int, int]  # column → fiscal year
    inline: list[tuple[int, str]] = field(default_factory=list)  # (year, text) printed in the header
    # Years printed in one cell, apart by spaces (PDF text): (display column, year); the values
    # on the lines below are placed under the year they start nearest to.
    spaced: list[tuple[int, int]] = field(default_factory=list)
    bare: bool = False  # years with no schedule label: values count only when a phase is read

    def year_at(self, col: int) -> int | None:
        if col in self.years:
            return self.years[col]
        cols = sorted(self.years)
        if col > cols[-1]:  # a year header lost in conversion: the years run on
            return self.years[cols[-1]] + (col - cols[-1])
        return None


def split_year(text: str) -> tuple[int | None, str]:
    """「平成28年度 検討」→ (2016, "検討"); 「令和5年度」→ (2023, "")."""
    t = clean(text)
    m = _YEAR_HEAD.match(t)
    if not m:
        return None, t
    year = fiscal_year_of(m.group(1).strip())
    if year is None:
        return None, t
    return year, t[m.end() :].strip(" 　:：")


def read_header(cells: list[str], label_col: int) -> ScheduleHeader | None:
    years: dict[int, int] = {}
    inline: list[tuple[int, str]] = []
    for col in range(label_col + 1, len(cells)):
        if not clean(cells[col]):
            continue
        year, rest = split_year(cells[col])
        if year is None:
            return None if not years else ScheduleHeader(label_col, years, inline)
        years[col] = year
        inline.append((year, rest))
    if not years:
        return None
    return ScheduleHeader(label_col, years, inline if any(t for _, t in inline) else [])


def year_row(cells: list[str]) -> ScheduleHeader | None:
    """A row of bare, consecutive fiscal years in cells of their own (「R8 ⇥ R9 ⇥ R10」, an HTML
    「<th>令和8年度</th><th>令和9年度</th>」 row) with no label before it: a schedule's header."""
    filled = [(col, clean(c)) for col, c in enumerate(cells) if clean(c)]
    if len(filled) < 2:
        return None
    years = []
    for _, text in filled:
        year, rest = split_year(text)
        if year is None or rest:
            return None
        years.append(year)
    if any(b != a + 1 for a, b in zip(years, years[1:], strict=False)):
        return None
    header = read_header(cells, filled[0][0] - 1)
    if header is not None:
        header.bare = True
    return header


def _tokens(cells: list[str]) -> list[tuple[int, str]]:
    """The words of a one-cell line with the display column each starts at (a full-width
    character counts two, a tab runs to the next multiple of 8): what lines a value up under its
    year."""
    line = "\t".join(cells).replace("\xa0", " ")
    out: list[tuple[int, str]] = []
    col = 0
    word, start = "", 0
    for ch in line + " ":
        if ch in " \u3000\t":
            if word:
                out.append((start, word))
                word = ""
            col = (col // 8 + 1) * 8 if ch == "\t" else col + (2 if ch == "\u3000" else 1)
            continue
        if not word:
            start = col
        word += ch
        col += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return out


def spaced_header(cells: list[str]) -> ScheduleHeader | None:
    """「年度別計画　令和7年度　令和8年度　令和9年度」 (or the years alone): two or more years apart
    by spaces in one line, after at most a label, nothing after them."""
    if sum(1 for c in cells if c and c.strip()) != 1:
        return None  # years in cells of their own are read by read_header
    tokens = _tokens(cells)
    if tokens and split_year(tokens[0][1])[0] is None:
        tokens = tokens[1:]  # the label before the years
    years = []
    for col, word in tokens:
        year, rest = split_year(word)
        if year is None or rest:
            return None
        years.append((col, year))
    if len(years) < 2 or any(b[1] != a[1] + 1 for a, b in zip(years, years[1:], strict=False)):
        return None
    return ScheduleHeader(-1, {k: y for k, (_, y) in enumerate(years)}, spaced=years)


def _read_spaced(header: ScheduleHeader, cells: list[str], order: int) -> list[PScheduleEntry] | None:
    filled = [c for c in cells if c and c.strip()]
    if len(filled) > 1:  # values in cells of their own: in order under the years
        tokens = [(header.spaced[k][0] if k < len(header.spaced) else 10**6, clean(c)) for k, c in enumerate(filled)]
    else:
        tokens = _tokens(cells)
    if not tokens or len(tokens) > len(header.spaced) or any(len(w) > 20 or w.endswith("。") or split_year(w)[0] for _, w in tokens):
        return None
    by_year = {year: "" for _, year in header.spaced}
    for col, word in tokens:
        year = min(header.spaced, key=lambda cy: abs(cy[0] - col))[1]
        by_year[year] = f"{by_year[year]} {word}".strip()
    track = "" if order == 0 else f"{order + 1}"
    return entries_from(sorted(by_year.items()), track=track, track_order=order)


def read_values(header: ScheduleHeader, cells: list[str], order: int) -> list[PScheduleEntry] | None:
    """One value row under a header, or None when the row is not one (long text, a new label)."""
    if header.spaced:
        return _read_spaced(header, cells, order)
    filled = [(col, clean(c)) for col, c in enumerate(cells) if clean(c)]
    if not filled or any(len(t) > 40 or t.endswith("。") for _, t in filled):
        return None
    if any(split_year(t)[0] for _, t in filled) and not header.inline:
        return None
    # Values printed left of their years (the converter dropped the label cell): the row's
    # first filled cell is then the first year.
    first_year_col = min(header.years)
    start = min(filled[0][0], first_year_col)
    years = [header.years[c] for c in sorted(header.years)]
    cells_by_year: list[tuple[int, str]] = []
    for col in range(start, max(col for col, _ in filled) + 1):
        k = col - start
        year = years[k] if k < len(years) else years[-1] + (k - len(years) + 1)  # a header lost in conversion
        cells_by_year.append((year, clean(cells[col]) if col < len(cells) else ""))
    # The chart's empty cells after the last value still count as years of the chart.
    for k in range(len(cells_by_year), len(years)):
        cells_by_year.append((years[k], ""))
    if not any(t for _, t in cells_by_year):
        return None
    track = "" if order == 0 else f"{order + 1}"
    return entries_from(cells_by_year, track=track, track_order=order)


def entries_from(cells: list[tuple[int, str]], track: str = "", track_order: int = 0) -> list[PScheduleEntry]:
    entries: list[PScheduleEntry] = []
    for idx, (year, text) in enumerate(cells):
        if not text:
            continue
        if _mark(text):
            if entries:
                entries[-1].continues = True
            continue
        nxt = cells[idx + 1][1] if idx + 1 < len(cells) else None
        phase = normalise_phase(text)
        continues = nxt is not None and (not nxt or _mark(nxt)) and phase != "complete"
        entries.append(PScheduleEntry(year, text[:300], phase, continues, track[:200], track_order))
    return entries


# A year as plans print it in running text: 令和8年度, R8, H28, 令和7（2025）年度, 2026年度, 2026,
# FY2026, 2026（R8）年度; a bare four-digit number is a year only when no unit follows it.
_INLINE_YEAR = (
    r"(?:(?:令和|平成|R|H)\s*(?:元|\d{1,2})(?![\d])(?:\s*[(（]\s*\d{4}\s*[)）])?"
    r"|(?:FY\s*)?(?:19|20)\d\d(?!\d|[,，.．月日時件人%％万円個回]|年(?!度))(?:\s*[(（]\s*(?:令和|R)\s*\d{1,2}\s*[)）])?)\s*(?:年度)?"
)
# One year, or a range of years 「R7〜R8」「2026〜2028年度」「令和9年度～」 (open: to the plan's end).
_INLINE_SPAN = re.compile(rf"(?P<a>{_INLINE_YEAR})(?:\s*(?P<to>[〜～~\-－―])\s*(?P<b>{_INLINE_YEAR})?)?")


def _inline_year(token: str) -> int | None:
    western = re.search(r"(?:19|20)\d\d", token)
    if western:
        return int(western.group())
    m = re.match(r"(令和|平成|R|H)\s*(元|\d{1,2})", token)
    return fiscal_year_of(f"{m.group(1)}{m.group(2)}年度") if m else None


def read_inline(text: str, end_year: int | None = None) -> list[PScheduleEntry]:
    """「平成28年度 検討 平成29年度 ⇒ 平成30年度 運用」「R7〜R8 検討、R9 構築」「2026〜2028年度 運用」
    「令和9（2027）年度～ 運用」 → entries; a range gives each of its years the value, an open one
    runs to ``end_year`` (the plan's last year) when known."""
    text = clean(text)
    spans = list(_INLINE_SPAN.finditer(text))
    cells: list[tuple[int, str]] = []
    for k, m in enumerate(spans):
        start = _inline_year(m.group("a"))
        if start is None:
            continue
        end = _inline_year(m.group("b")) if m.group("b") else (end_year if m.group("to") else None)
        if end is None or not start <= end <= start + 20:
            end = start
        value_end = spans[k + 1].start() if k + 1 < len(spans) else len(text)
        # 「令和８年度 構築／令和９年度 ⇒／…」: the separator between years is not the value.
        value = text[m.end() : value_end].strip(" 　:：、,，／/|｜;；")
        for year in range(start, end + 1):
            if not cells or year > cells[-1][0]:
                cells.append((year, value))
    return entries_from(cells)
