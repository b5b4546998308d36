"""What an import understood, before anything is saved: a tree of nodes, the items, and what
could not be placed (with the source line)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from madoguchi.core.wareki import parse_fiscal_year


@dataclass
class PScheduleEntry:
    fiscal_year: int
    phase_text: str
    phase: str
    continues: bool
    track: str = ""
    track_order: int = 0


@dataclass
class PIndicator:
    kind: str  # activity / outcome
    name: str
    unit: str = ""
    # 「現状値（令和6年度）12%」「目標値（令和11年度）30%」 rows or columns beside the indicator
    baseline: Decimal | None = None
    baseline_year: int | None = None
    target: Decimal | None = None
    target_year: int | None = None


@dataclass
class PItem:
    key: str
    number: str
    title: str
    where: str
    description: str = ""
    goal: str = ""
    current_state: str = ""
    issues: str = ""
    process: str = ""
    sections: list[str] = field(default_factory=list)
    sections_text: str = ""
    all_sections: bool = False
    schedule: list[PScheduleEntry] = field(default_factory=list)
    indicators: list[PIndicator] = field(default_factory=list)

    @property
    def schedule_line(self) -> str:
        """The schedule as one line staff can correct in the editor (「2026年度 検討、2027年度 構築」)."""
        return "、".join(f"{e.fiscal_year}年度 {e.phase_text}".strip() for e in self.schedule)


@dataclass
class PPlacement:
    item_key: str
    number: str
    where: str
    is_relisting: bool = False
    printed: dict = field(default_factory=dict)


@dataclass
class PNode:
    key: str
    number: str
    title: str
    depth: int
    where: str = ""
    description: str = ""
    goal: str = ""
    current_state: str = ""
    children: list[PNode] = field(default_factory=list)
    placements: list[PPlacement] = field(default_factory=list)


@dataclass
class Problem:
    where: str
    text: str
    reason: str


@dataclass
class Preview:
    family: str  # table / blocks / prose
    title: str = ""
    kind: str = ""
    status: str = ""
    municipality_name: str = ""
    start_year: int | None = None
    end_year: int | None = None
    level_names: list[str] = field(default_factory=list)
    roots: list[PNode] = field(default_factory=list)
    items: dict[str, PItem] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # could not place / could not find
    policies: list[dict] = field(default_factory=list)  # classifications beside the tree (基本方針 …)
    tables: list[dict] = field(default_factory=list)  # background tables, listed not itemised
    evaluation: dict = field(default_factory=dict)  # the previous plan's evaluation table
    notes: list[str] = field(default_factory=list)  # what was corrected or assumed
    # Built from the numbered headings alone (no heading owned 担当課/スケジュール labels): a
    # tree for staff to check in the structure editor rather than a refusal.
    partial: bool = False

    # --- helpers -------------------------------------------------------------------------
    def walk(self):
        stack = [(n, None) for n in reversed(self.roots)]
        while stack:
            node, parent = stack.pop()
            yield node, parent
            stack.extend((c, node) for c in reversed(node.children))

    @property
    def placements(self) -> list[PPlacement]:
        return [p for node, _ in self.walk() for p in node.placements]

    def node_count(self) -> int:
        return sum(1 for _ in self.walk())

    def sections(self) -> list[str]:
        seen: list[str] = []
        for item in self.items.values():
            for s in item.sections:
                if s not in seen:
                    seen.append(s)
        return seen

    def to_dict(self) -> dict:
        return asdict(self)

    def problem(self, where: str, text: str, reason: str) -> None:
        self.problems.append(Problem(where, (text or "")[:200], reason))


PLAN_KINDS = [("基本計画", "basic"), ("推進計画", "promotion"), ("実行計画", "promotion"), ("戦略", "promotion"), ("方針", "policy"), ("計画", "promotion")]


def guess_kind(title: str) -> str:
    for word, kind in PLAN_KINDS:
        if word in title:
            return kind
    return "other"


def guess_status(title: str) -> str:
    if re.search(r"[(（]\s*(素)?案\s*[)）]|素案", title):
        return "draft"
    if "パブリックコメント" in title:
        return "public_comment"
    return "adopted"


_MUNI = re.compile(r"^(.{1,8}?[都道府県])?(.{1,8}?[市町村区])(?=[^市町村区]{2,})")


def guess_municipality(title: str) -> str:
    m = _MUNI.match(re.sub(r"\s+", "", title))
    return m.group(2) if m else ""


_YEAR = re.compile(r"(令和|平成|R|H)\s*(元|\d{1,2})\s*(?:[(（]\s*(\d{4})\s*[)）])?\s*年度|(\d{4})\s*年度")


def fiscal_year_of(cell: str) -> int | None:
    """「令和8年度」「令和3(2021) 年度」「R8年度」「2026年度」「令和7(2025)年度～」 → the fiscal year."""
    text = (cell or "").strip()
    short = re.fullmatch(r"(令和|平成|R|H)\s*(元|\d{1,2})\s*年?\s*(?:[(（]\s*(\d{4})\s*[)）])?|(20\d\d|19\d\d)\s*年?", text)
    if short:  # a bare 「R8」「令和8」「2026」 column header
        if short.group(3) or short.group(4):
            return int(short.group(3) or short.group(4))
        return parse_fiscal_year(f"{short.group(1)}{short.group(2)}年度")
    m = _YEAR.search(text)
    if not m or m.start() > 2:
        return None
    if m.group(3):
        return int(m.group(3))
    if m.group(4):
        return int(m.group(4))
    return parse_fiscal_year(f"{m.group(1)}{m.group(2)}年度")


_PERIOD = re.compile(
    r"(?:(令和|平成)\s*(元|\d{1,2})\s*(?:[(（]\d{4}[)）])?\s*年度?|(\d{4})\s*年度(?:\s*[(（][^()（）]{1,8}[)）])?)\s*(?:から|[~〜～\-－―ー]|より)\s*"
    r"(?:(令和|平成)?\s*(元|\d{1,2})\s*(?:[(（]\d{4}[)）])?\s*年度|(\d{4})\s*年度)"
)
_UNTIL = re.compile(r"(令和|平成)\s*(元|\d{1,2})\s*(?:[(（](\d{4})[)）])?\s*年度(?:末)?まで")


def _fy(era: str | None, n: str | None, western: str | None, default_era: str | None = None) -> int | None:
    if western:
        return int(western)
    era = era or default_era
    if not era or not n:
        return None
    return parse_fiscal_year(f"{era}{n}年度")


def find_period(text: str) -> tuple[int | None, int | None]:
    """Read 「令和5年度~令和7年度」 or 「令和6(2024)年度までとします」 from text near 計画期間/対象期間,
    else a range at the very start of the document (printed with the title)."""
    for m in re.finditer(r"(計画期間|対象期間|計画の期間|本計画の期間|方針の期間)", text):
        window = text[m.start() : m.start() + 300]
        p = _PERIOD.search(window)
        if p:
            start = _fy(p.group(1), p.group(2), p.group(3))
            end = _fy(p.group(4), p.group(5), p.group(6), default_era=p.group(1))
            if start and end and end >= start:
                return start, end
        u = _UNTIL.search(window)
        if u:
            return None, int(u.group(3)) if u.group(3) else parse_fiscal_year(f"{u.group(1)}{u.group(2)}年度")
    # No 計画期間 label: a range printed with the title (「…プラン（令和8年度～令和10年度）」).
    p = _PERIOD.search(text[:200])
    if p:
        start = _fy(p.group(1), p.group(2), p.group(3))
        end = _fy(p.group(4), p.group(5), p.group(6), default_era=p.group(1))
        if start and end and end >= start:
            return start, end
    return None, None
