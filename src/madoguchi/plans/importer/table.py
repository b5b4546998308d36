"""The table family: one row per item, columns named by header labels (No / 基本方針 / 施策 /
取組 / 事業 / 担当課 / 事業内容 / 令和N年度 …). Header blocks may repeat, span two or three
rows, or sit one column off their data."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .clean import clean, has_cyrillic
from .common import relisting, schedule_from_cells, split_sections
from .numbering import split_number
from .preview import PItem, PNode, PPlacement, Preview, find_period, fiscal_year_of, guess_kind, guess_municipality, guess_status
from .read import Row

ROLES = [
    ("number", re.compile(r"^(No\.?|NO\.?|Ｎｏ\.?|№|番号|項番|通番|通し番号|整理番号|(事業|管理|取組|施策)(番号|No\.?))$", re.I)),
    ("related", re.compile(r"関係課|関連課|協力課|関係部署")),
    ("section", re.compile(r"担当|所管|主管|部署|実施課")),
    ("indicator", re.compile(r"指標|KPI|目標値")),
    ("goal", re.compile(r"目指す姿|期待される効果|^効果")),
    ("description", re.compile(r"内容|概要|説明|取組の方向")),
    ("level", re.compile(r"方針|施策|目標|取組|事業|項目|分野|柱|重点|テーマ|施策名|事業名")),
]
GROUP = re.compile(r"スケジュール|年次計画|工程|基本情報|プランニング|計画期間|実施時期|ロードマップ|実施計画|実施年度")
_INDICATOR_VALUE = re.compile(r"^(?:現状値|基準値|目標値|実績値|現状|基準|目標)(?:[(（:：]|$)|^(?:令和|平成|R|H|20)\S{0,8}?(?:現状値|基準値|目標値|実績値)$")


def role_of(label: str) -> str | None:
    label = re.sub(r"\s+", "", clean(label))
    if not label:
        return None
    if GROUP.search(label):
        return None
    # 「現状値（令和6年度）」「目標値（R11）」: an indicator's baseline or target, not a year column.
    if _INDICATOR_VALUE.match(label):
        return "indicator_value"
    if fiscal_year_of(label):
        return "year"
    for role, pattern in ROLES:
        if pattern.search(label):
            return role
    return None


def is_header(row: Row) -> bool:
    roles = [role_of(c) for c in row.cells]
    named = [r for r in roles if r and r not in ("year", "indicator_value")]
    if not named:
        return False
    first = next((c for c in row.cells if c.strip()), "")
    if re.fullmatch(r"\s*\d+\s*", first):  # a data row starting with its number
        return False
    return len(named) >= 3 or ("number" in named and len(named) >= 2) or (len(named) >= 2 and "year" in roles)


def looks_like_table(rows: list[Row]) -> bool:
    return any(is_header(r) and header_fits(rows, i) for i, r in enumerate(rows))


_JUNK_TITLE = re.compile(r"^[\d\s.,%％()（）⇒→━―－\-・…〃]*$")


def header_fits(rows: list[Row], anchor: int) -> bool:
    """A header is one only if the rows under it fit it: most of them name something (two
    characters or more, not a bare number, year or arrow) in the title column. A background
    table whose first row happens to hold a year and two level words does not."""
    cols, last = _header_columns(rows, anchor)
    if not cols.levels:
        return False
    title_col = cols.levels[-1]
    data = []
    blank = False
    for r in rows[last + 1 :]:
        if not r.nonempty():
            blank = True
            continue
        # After a blank line, rows of another shape (a glossary, notes) are not this table's.
        if blank and data and _title_of(r, title_col) == "" and _title_of(data[-1], title_col):
            break
        if is_header(r) or len(data) >= 12:
            break
        data.append(r)
    if not data:
        return False
    good = 0
    for r in data:
        text = clean(r.cells[title_col]) if title_col < len(r.cells) else ""
        if len(text) >= 2 and not _JUNK_TITLE.match(text) and not fiscal_year_of(text):
            good += 1
    return good >= min(2, len(data)) and good * 2 >= len(data)


def _title_of(r: Row, col: int) -> str:
    return clean(r.cells[col]) if col < len(r.cells) else ""


@dataclass
class Columns:
    roles: dict[int, str] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)
    years: dict[int, int] = field(default_factory=dict)
    where: str = ""

    @property
    def levels(self) -> list[int]:
        return sorted(c for c, r in self.roles.items() if r == "level")

    def first(self, role: str) -> int | None:
        cols = sorted(c for c, r in self.roles.items() if r == role)
        return cols[0] if cols else None


def _header_columns(rows: list[Row], anchor: int) -> tuple[Columns, int]:
    """Merge the anchor row with up to two label rows above and one below it."""
    band = [anchor]
    for k in (anchor - 1, anchor - 2):
        if k >= 0 and rows[k].nonempty() and not _is_data_like(rows[k]) and _has_labels(rows[k]):
            band.insert(0, k)
        else:
            break
    if anchor + 1 < len(rows) and rows[anchor + 1].nonempty() and _has_labels(rows[anchor + 1]) and not _is_data_like(rows[anchor + 1]):
        band.append(anchor + 1)
    cols = Columns(where=rows[anchor].where)
    width = max(len(rows[k].cells) for k in band)
    for c in range(width):
        # The lowest recognised label in the band names the column.
        for k in reversed(band):
            label = rows[k].cells[c] if c < len(rows[k].cells) else ""
            role = role_of(label)
            if role:
                cols.roles[c] = role
                cols.labels[c] = clean(label)
                if role == "year":
                    cols.years[c] = fiscal_year_of(clean(label))
                break
    return cols, band[-1]


def _has_labels(row: Row) -> bool:
    return any(role_of(c) or GROUP.search(c or "") for c in row.cells)


def _is_data_like(row: Row) -> bool:
    first = next((c for c in row.cells if c.strip()), "")
    return bool(re.fullmatch(r"\s*\d+\s*", first))


def _realign_years(cols: Columns, data: list[Row]) -> str | None:
    """A header block shifted by one column: the year labels sit one column right (or left) of
    the cells they name. Choose the offset that covers the data without leaving any filled
    unlabelled column beside the year run."""
    if not cols.years:
        return None
    ycols = sorted(cols.years)

    def filled(c: int) -> int:
        return sum(1 for r in data if c < len(r.cells) and clean(r.cells[c]))

    def score(offset: int) -> int:
        cover = sum(filled(c + offset) for c in ycols)
        lost = sum(filled(c) for c in (ycols[0] - 1, ycols[-1] + 1) if c not in {x + offset for x in ycols} and c >= 0 and c not in cols.roles)
        clash = sum(filled(c + offset) for c in ycols if c + offset in cols.roles and cols.roles[c + offset] != "year")
        return cover - lost - 2 * clash

    best = max((0, -1, 1), key=lambda o: (score(o), o == 0))
    if best == 0 or score(best) <= score(0):
        return None
    years = {c + best: y for c, y in cols.years.items()}
    for c in ycols:
        cols.roles.pop(c, None)
    for c in years:
        cols.roles[c] = "year"
    cols.years = years
    return f"{cols.where}: 年度の見出しが1列{'右' if best < 0 else '左'}にずれていたため、データの列に合わせて読み替えました。"


def parse_table(rows: list[Row]) -> Preview:
    pv = Preview(family="table")
    anchors = []
    headers = []
    for i, r in enumerate(rows):
        if not is_header(r):
            continue
        headers.append(i)
        if header_fits(rows, i):
            anchors.append(i)
        else:  # a background table (statistics, national strategies): listed, not itemised
            pv.tables.append({"where": r.where, "rows": 0, "header": " / ".join(clean(c) for _, c in r.nonempty())[:80]})
    first_header = anchors[0] if anchors else len(rows)
    _list_tables_before(pv, rows[: max(0, first_header - 2)])
    text_before = []
    for r in rows[:first_header]:
        cells = r.nonempty()
        if len(cells) == 1:
            text_before.append(clean(cells[0][1]))
            if not pv.title and re.search(r"計画|方針|戦略|プラン", cells[0][1]):
                pv.title = clean(cells[0][1])
    all_text = "\n".join(clean(c) for r in rows for c in r.cells if c)
    pv.start_year, pv.end_year = find_period(all_text)

    node_index: dict[str, PNode] = {}
    parsed: list[dict] = []
    years_seen: set[int] = set()
    level_labels: list[str] = []
    for anchor in anchors:
        cols, last_header = _header_columns(rows, anchor)
        # The next header past this one's band ends its data (the band is anchor…last_header).
        stop = next((h for h in headers if h > last_header), len(rows))
        # Label rows of the next header band are not data.
        block = [r for r in rows[last_header + 1 : stop] if r.nonempty()]
        if isinstance(rows[anchor], SwappedRow):  # its data are exactly its swapped columns
            block = block[: next((k for k, r in enumerate(block) if not isinstance(r, SwappedRow)), len(block))]
        while block and not _is_data_like(block[-1]) and _has_labels(block[-1]) and not cols.levels:
            block.pop()
        data = [r for r in block if not (_has_labels(r) and not _is_data_like(r) and _label_only(r))]
        _numbers_are_not_levels(cols, data)
        note = _realign_years(cols, data)
        if note:
            pv.notes.append(note)
        if not cols.levels:
            pv.problem(cols.where, " / ".join(cols.labels.values()), "見出しに取組名・施策名の列が見つからないため、この表は取り込めませんでした。")
            continue
        labels = [cols.labels[c] for c in cols.levels]
        if not level_labels:
            level_labels = labels
        years_seen.update(cols.years.values())
        fill: dict[int, str] = {}
        for r in data:
            cells = {c: (r.cells[c] if c < len(r.cells) else "") for c in range(max(len(r.cells), max(cols.roles) + 1))}
            title_col = cols.levels[-1]
            for c in cols.levels[:-1]:  # merged cells in the source: repeat the value above
                if clean(cells[c]):
                    fill[c] = cells[c]
                else:
                    cells[c] = fill.get(c, "")
            if not clean(cells[title_col]):
                pv.problem(r.where, " ".join(clean(v) for _, v in r.nonempty()), f"「{cols.labels[title_col]}」の欄が空のため、取組として置けませんでした。")
                continue
            parsed.append({"row": r, "cols": cols, "cells": cells})

    context = _outline_context(rows, parsed)
    if context:
        heading_rows = {id(r) for r, _ in context.values() if r is not None}
        parsed = [e for e in parsed if id(e["row"]) not in heading_rows]
        deepest = max((chain for _, chain in context.values()), key=len)
        level_labels = [_outline_level_name(h.signature) for h in deepest] + level_labels
    pv.level_names = level_labels
    pv.title = pv.title or "取り込んだ計画"
    pv.kind, pv.status, pv.municipality_name = guess_kind(pv.title), guess_status(pv.title), guess_municipality(pv.title)
    if years_seen and not pv.start_year:
        pv.start_year = min(years_seen)
    if years_seen and not pv.end_year:
        pv.end_year = max(years_seen)

    by_title: dict[str, str] = {}
    relists: list[tuple[dict, PNode, str, str, str]] = []
    for entry in parsed:
        r, cols, cells = entry["row"], entry["cols"], entry["cells"]
        parent: PNode | None = None
        key = ""
        chain = context.get(id(r), (None, []))[1] if context else []
        for h in chain:  # the outline headings the table sits under
            key = f"{key}/{h.number}" if key else h.number
            node = node_index.get(key)
            if node is None:
                node = PNode(key=key, number=h.number, title=h.title, depth=parent.depth + 1 if parent else 0, where=h.where)
                node_index[key] = node
                (parent.children if parent else pv.roots).append(node)
            parent = node
        base = len(chain)
        for depth, c in enumerate(cols.levels[:-1], start=base):
            raw = clean(cells[c])
            if not raw:
                continue
            number, title = split_number(raw)
            part = number or title
            key = f"{key}/{part}" if key else part
            node = node_index.get(key)
            if node is not None and number and title and node.title != title:
                pv.notes.append(f"{r.where}: 番号「{number}」が「{node.title}」と「{title}」の両方に使われているため、別の項目として扱いました。")
                key = f"{key}:{title}"
                node = node_index.get(key)
            if node is None:
                node = PNode(key=key, number=number, title=title or number, depth=depth, where=r.where)
                node_index[key] = node
                (parent.children if parent else pv.roots).append(node)
            if has_cyrillic(cells[c]):
                pv.notes.append(f"{r.where}: 「{title}」にキリル文字が混じっていたため置き換えました。元の資料で確かめてください。")
            parent = node
        if parent is None:
            parent = node_index.get("(全体)") or PNode(key="(全体)", number="", title=pv.title, depth=0)
            if "(全体)" not in node_index:
                node_index["(全体)"] = parent
                pv.roots.append(parent)
        title_raw = clean(cells[cols.levels[-1]])
        if has_cyrillic(cells[cols.levels[-1]]):
            pv.notes.append(f"{r.where}: 「{title_raw}」にキリル文字が混じっていたため置き換えました。")
        title, ref = relisting(title_raw)
        num_col = cols.first("number")
        number = clean(cells[num_col]) if num_col is not None else ""
        printed, rest = split_number(title)
        if printed and rest:  # 「① 電子申請」 in the title column: the No. column wins
            title = rest
            number = number or printed
        if ref is not None:
            relists.append((entry, parent, title, ref, number))
            continue
        item = _make_item(entry, number, title, parent.key)
        if item.key in pv.items:
            item.key = f"{item.key}:{r.line}"
        pv.items[item.key] = item
        by_title.setdefault(title, item.key)
        parent.placements.append(PPlacement(item.key, number, r.where))

    for entry, parent, title, ref, number in relists:
        r = entry["row"]
        target = _find_relisted(pv, node_index, title, ref)
        if target is None:
            item = _make_item(entry, number, title, parent.key)
            pv.items[item.key] = item
            parent.placements.append(PPlacement(item.key, number, r.where))
            where = f"「{ref}」" if ref else "同じ名前の取組"
            pv.problem(r.where, title, f"再掲と書かれていますが、{where}に同じ取組が見つからないため、別の取組として置きました。")
            continue
        printed = _make_item(entry, number, title, parent.key)
        parent.placements.append(
            PPlacement(
                target,
                number,
                r.where,
                is_relisting=True,
                printed={"sections_text": printed.sections_text, "schedule": [(e.fiscal_year, e.phase_text) for e in printed.schedule]},
            )
        )
    return pv


def _outline_context(rows: list[Row], parsed: list[dict]) -> dict[int, tuple[Row | None, list]]:
    """Tables under outline headings (「基本目標Ⅰ …」「施策1 …」 on their own line, each 施策 with
    its own small 事業 table): id(row) → (the row if it is such a heading, the headings it sits
    under). Empty unless the data rows sit under at least two different headings — a single
    table under one title is read as before. Headings common to every row that carry no level
    word (the document's chapters) are dropped, as in the outline family."""
    from .outline import heading_of

    stack: list = []
    chains: dict[int, tuple[Row | None, list]] = {}
    for i, r in enumerate(rows):
        cells = r.nonempty()
        if len(cells) == 1 and cells[0][0] == 0 and not is_header(r):
            h = heading_of([clean(cells[0][1])], i, r.where)
            if h is not None:
                while stack and stack[-1].signature != h.signature and h.signature in {x.signature for x in stack}:
                    stack.pop()
                if stack and stack[-1].signature == h.signature:
                    stack.pop()
                stack.append(h)
                chains[id(r)] = (r, list(stack))
                continue
        chains[id(r)] = (None, list(stack))
    data = [chains[id(e["row"])][1] for e in parsed if chains[id(e["row"])][0] is None]
    if len({tuple(id(h) for h in c) for c in data}) < 2:
        return {}
    prefix = 0
    while all(len(c) > prefix and c[prefix] is data[0][prefix] for c in data) and (not data[0][prefix].word or data[0][prefix].family == "chapter"):
        prefix += 1
    return {k: (row, chain[prefix:]) for k, (row, chain) in chains.items()}


def _outline_level_name(signature) -> str:
    from .outline import _level_name

    return _level_name(signature)


def _numbers_are_not_levels(cols: Columns, data: list[Row]) -> None:
    """A level column (「事業番号」 read as 事業) that holds a different bare number on every row
    (1-1-1, 1-1-2 …) numbers the rows; it is not a level of the tree."""
    for c in cols.levels[:-1]:
        values = [clean(r.cells[c]) if c < len(r.cells) else "" for r in data]
        if len(values) >= 2 and all(values) and len(set(values)) == len(values) and all(split_number(v)[0] and not split_number(v)[1] for v in values):
            cols.roles[c] = "number"


def _list_tables_before(pv: Preview, rows: list[Row]) -> None:
    """Tables before the plan's own (statistics, survey results, national strategies): listed
    as not imported, so staff see they were read and left out."""
    listed = {t["where"] for t in pv.tables}  # a failed header already listed its table
    run: list[Row] = []
    for r in [*rows, Row(0, [])]:
        if len(r.nonempty()) >= 2:
            run.append(r)
            continue
        if len(run) >= 2 and not any(x.where in listed for x in run):
            pv.tables.append({"where": run[0].where, "rows": len(run), "header": " / ".join(clean(c) for _, c in run[0].nonempty())[:80]})
        run = []


def _label_only(row: Row) -> bool:
    return all(role_of(c) or GROUP.search(c or "") for _, c in row.nonempty())


def _make_item(entry: dict, number: str, title: str, node_key: str) -> PItem:
    r, cols, cells = entry["row"], entry["cols"], entry["cells"]
    key = f"item:{number}" if number else f"item:{node_key}/{title}"
    item = PItem(key=key, number=number, title=title[:300], where=r.where)
    section_cols = [c for c, role in cols.roles.items() if role == "section"]
    related_cols = [c for c, role in cols.roles.items() if role == "related"]
    texts = [clean(cells[c], multiline=True) for c in section_cols + related_cols if clean(cells.get(c, ""))]  # 「市民課<br>DX推進課」 two
    texts = [t.replace("\n", "、") for t in texts]
    item.sections_text = "、".join(texts)[:500]
    item.sections, item.all_sections = split_sections("、".join(texts))
    item.description = "\n".join(clean(cells[c], multiline=True) for c, role in sorted(cols.roles.items()) if role == "description" and clean(cells.get(c, "")))
    item.goal = "\n".join(clean(cells[c], multiline=True) for c, role in sorted(cols.roles.items()) if role == "goal" and clean(cells.get(c, "")))
    year_cells = [(cols.years[c], cells.get(c, "")) for c in sorted(cols.years)]
    item.schedule = schedule_from_cells(year_cells)
    from .common import parse_indicators

    for c, role in sorted(cols.roles.items()):
        if role == "indicator" and clean(cells.get(c, "")):
            item.indicators.extend(parse_indicators(cells[c]))
    for c, role in sorted(cols.roles.items()):
        if role == "indicator_value" and item.indicators and clean(cells.get(c, "")):
            _indicator_value(item.indicators[0], cols.labels[c], clean(cells[c]))
    return item


def _indicator_value(ind, label: str, text: str) -> None:
    """「現状値（令和6年度）」 ⇥ 「12%」 → baseline 12 in 2024 (unit from the value when unknown)."""
    m = re.match(r"^[^\d\-]*?(-?[\d,]+(?:\.\d+)?)\s*(\S{0,20})$", text)
    if not m:
        return
    try:
        value = Decimal(m.group(1).replace(",", ""))
    except InvalidOperation:
        return
    if not ind.unit and m.group(2) and not re.search(r"\d", m.group(2)):
        ind.unit = m.group(2).replace("％", "%")[:20]
    found = re.search(r"(令和|平成|R|H)\s*(元|\d{1,2})\s*年?度?|((?:19|20)\d\d)\s*年?度?", label)
    year = fiscal_year_of(found.group(0)) if found else None
    if re.search(r"目標", label):
        ind.target, ind.target_year = value, year
    else:
        ind.baseline, ind.baseline_year = value, year


class SwappedRow(Row):
    """A row of a table read with its rows and columns swapped (:func:`untranspose`)."""


def untranspose(rows: list[Row]) -> list[Row] | None:
    """A table exported with the measures in columns (「取組名 ⇥ A ⇥ B」「担当課 ⇥ 市民課 ⇥ …」
    「令和8年度 ⇥ 検討 ⇥ …」 one label per row): the rows with its rows and columns swapped, so the
    table family reads it like any other; None when there is no such table. It is one only when
    the first column's labels name a level (取組名, 事業名 …) and sections, years or contents, and
    at least two columns beside them hold values."""
    out: list[Row] = []
    found = False
    k = 0
    while k < len(rows):
        run: list[Row] = []
        j = k
        # A run of rows whose first cell is a label (取組名, 担当課, 令和8年度, 工程 …).
        while j < len(rows) and rows[j].cells and _first_label(rows[j]):
            run.append(rows[j])
            j += 1
        if not run:
            out.append(rows[k])
            k += 1
            continue
        flipped = _flip(run) if len(run) >= 4 else None
        if flipped is not None:
            out.extend(flipped)
            found = True
        else:
            out.extend(run)
        k = j
    return out if found else None


def _first_label(row: Row) -> bool:
    first = clean(row.cells[0]) if row.cells else ""
    return bool(first) and bool(role_of(first) or GROUP.search(first))


def _flip(run: list[Row]) -> list[Row] | None:
    first = [clean(r.cells[0]) if r.cells else "" for r in run]
    roles = [role_of(c) for c in first]
    if len(run) < 4 or "level" not in roles or not ({"section", "year", "description"} & set(roles)):
        return None
    if any(is_header(r) for r in run):
        return None
    width = max(len(r.cells) for r in run)
    title_row = max(k for k, role in enumerate(roles) if role == "level")
    columns = [c for c in range(1, width) if c < len(run[title_row].cells) and clean(run[title_row].cells[c])]
    if len(columns) < 2:
        return None
    header = SwappedRow(run[0].line, [r.cells[0] if r.cells else "" for r in run], sheet=run[0].sheet)
    data = [SwappedRow(run[title_row].line, [r.cells[c] if c < len(r.cells) else "" for r in run], sheet=run[0].sheet) for c in columns]
    return [header, *data]


def _find_relisted(pv: Preview, node_index: dict[str, PNode], title: str, ref: str) -> str | None:
    """The item a 再掲 row repeats: same title, preferably under the node the marker names."""
    candidates = [k for k, it in pv.items.items() if it.title == title]
    if not candidates:
        return None
    if ref and len(candidates) > 1:
        ref_flat = re.sub(r"\s+", "", ref)
        for node in node_index.values():
            path = node.key.replace("/", "")
            if ref_flat.replace("(", "").replace(")", "") in path.replace("(", "").replace(")", ""):
                for p in node.placements:
                    if p.item_key in candidates:
                        return p.item_key
    return candidates[0]
