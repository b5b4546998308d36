"""The label-block family (text converted from PDF): each item is a block of label⇥value rows —
No. / 取組の方向性 / 効果（目指す姿） / 現状 / 課題 / 取組内容 / 取組プロセス / 活動指標 成果指標 /
スケジュール (a row of 年度 headers, then one row per line of the chart). Headings such as
「推進方針 1 …」 between blocks give the level above."""

from __future__ import annotations

import re
from collections import Counter

from .clean import clean, has_cyrillic
from .common import parse_indicators, schedule_from_cells, split_sections
from .numbering import is_number, normalise_number, split_number
from .preview import PItem, PNode, PPlacement, Preview, find_period, fiscal_year_of, guess_kind, guess_municipality, guess_status
from .read import Row

NUMBER_LABEL = re.compile(r"^(No\.?|NO\.?|№|番号|項番|施策番号|取組番号)$", re.I)
LABELS = [
    ("title", re.compile(r"^(取組の方向性|取組名|施策名|事業名|取組|施策|名称)$")),
    ("goal", re.compile(r"^(効果|目指す姿|効果[(（]?目指す姿[)）]?|期待される効果|目標)$")),
    ("current_state", re.compile(r"^(現状|現状と課題|現況)$")),
    ("issues", re.compile(r"^(課題|問題点)$")),
    ("description", re.compile(r"^(取組内容|内容|事業内容|概要|取組の内容)$")),
    ("process", re.compile(r"^(取組プロセス|プロセス|進め方|実施方法)$")),
    ("indicators", re.compile(r"^(活動指標成果指標|活動指標|成果指標|指標|KPI|成果指標活動指標)$")),
    ("sections", re.compile(r"^(担当課|所管課|主管課|担当部署|担当|所管|関係課)$")),
    ("schedule", re.compile(r"^(スケジュール|年次計画|工程表|実施スケジュール|ロードマップ|実施計画|工程)$")),
]
HEADING = re.compile(
    r"^\s*(推進方針|基本方針|基本目標|基本施策|重点方針|施策の柱|政策目標|方針|目標|柱)\s*([0-9０-９]+|[一二三四五六七八九十]+|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ]+)\s*[.．:：　 ]?\s*(.*)$"
)


def label_of(cell: str) -> str | None:
    text = re.sub(r"\s+", "", clean(cell))
    if not text:
        return None
    if NUMBER_LABEL.match(text):
        return "number"
    for name, pattern in LABELS:
        if pattern.match(text):
            return name
    return None


def looks_like_blocks(rows: list[Row]) -> bool:
    starts = 0
    for i, r in enumerate(rows):
        cells = r.nonempty()
        if cells and cells[0][0] == 0 and label_of(cells[0][1]) == "number" and len(cells) >= 2:
            following = [label_of(x.cells[0]) for x in rows[i + 1 : i + 4] if x.cells]
            if any(f and f != "number" for f in following):
                starts += 1
    return starts >= 1


def parse_blocks(rows: list[Row]) -> Preview:
    pv = Preview(family="blocks")
    single = Counter(clean(r.nonempty()[0][1]) for r in rows if len(r.nonempty()) == 1)
    # Running page headers/footers repeat; a lone number is a page number.
    furniture = {t for t, n in single.items() if n >= 3}
    titles = [clean(r.nonempty()[0][1]) for r in rows[:40] if len(r.nonempty()) == 1]
    pv.title = _title_from(titles, furniture)
    pv.start_year, pv.end_year = find_period("\n".join(clean(" ".join(r.cells)) for r in rows))
    pv.kind, pv.status, pv.municipality_name = guess_kind(pv.title), guess_status(pv.title), guess_municipality(pv.title)
    nodes: dict[str, PNode] = {}
    current: PNode | None = None
    heading_word = ""
    block: dict | None = None
    years: set[int] = set()
    after_heading = False
    summary: list[str] = []
    title_label = ""

    def close():
        nonlocal block
        if block is not None:
            _finish(pv, block, nodes, current)
            for e in block["item"].schedule:
                years.add(e.fiscal_year)
        block = None

    i = 0
    while i < len(rows):
        r = rows[i]
        cells = r.nonempty()
        if not cells:
            if block is not None and block.get("mode") == "schedule":
                block["mode"] = None
            i += 1
            continue
        first_col, first = cells[0]
        lab = label_of(first) if first_col == 0 else None
        if len(cells) == 1 and first_col == 0:
            text = clean(first)
            m = HEADING.match(text)
            if m and len(text) <= 60 and not text.endswith("。"):
                close()
                heading_word = m.group(1)
                number = normalise_number(m.group(2))
                key = number
                if key not in nodes:
                    nodes[key] = PNode(key=key, number=number, title=clean(m.group(3)) or f"{heading_word}{number}", depth=0, where=r.where)
                    pv.roots.append(nodes[key])
                    after_heading = True
                else:
                    after_heading = False
                current = nodes[key]
                i += 1
                continue
            if text in furniture or re.fullmatch(r"[-‐\s]*\d{1,3}[-‐\s]*", text):
                i += 1
                continue
            if block is None and current is not None and after_heading and lab is None:
                current.description = (current.description + "\n" + text).strip()
                i += 1
                continue
            if lab is None:
                if block is not None and block.get("mode") != "schedule":
                    # a heading-like chapter line ends the block
                    if re.match(r"^\d{1,2}\s+\S", text) and len(text) < 30:
                        close()
                        after_heading = False
                        current = None
                i += 1
                continue
        if lab == "number":
            close()
            after_heading = False
            value = next((clean(c) for col, c in cells[1:] if clean(c)), "")
            number, rest = split_number(value)
            if not number:  # a table header such as 「項番 ⇥ 内容」, not an item
                block = None
                i += 1
                continue
            if rest or len(cells) > 2:
                pv.notes.append(f"{r.where}: 番号「{number}」の行にある他の文字（{' '.join(clean(c) for _, c in cells[2:])[:40]}）は取り込んでいません。")
            if number != normalise_number(value.split()[0]) or re.search(r"[工力二口八夕卜才]$", value.split()[0]):
                pv.notes.append(f"{r.where}: 番号「{value.split()[0]}」を「{number}」と読みました（変換時の文字化け）。")
            block = {"number": number, "where": r.where, "fields": {}, "last": None, "mode": None, "schedule_years": [], "tracks": [], "start": r}
            block["item"] = PItem(key=f"item:{number}", number=number, title="", where=r.where)
            i += 1
            continue
        if block is None:
            if len(cells) >= 2 and all(fiscal_year_of(clean(c)) for _, c in cells):
                summary.append(r.where)  # a year header outside any item: a summary chart follows
            elif summary and lab is None and len(cells) >= 1:
                summary.append(r.where)
            elif lab is None and len(cells) >= 2:
                t = " ".join(clean(c) for _, c in cells)
                first_clean = clean(cells[0][1])
                if is_number(first_clean) and any(it.number == normalise_number(first_clean) for it in pv.items.values()):
                    pass  # a summary table repeating an item already read
                elif current is not None or pv.items:
                    pv.problem(r.where, t, "取組の項目（No.）の外にある表の行のため、置き場所が分かりませんでした。")
            i += 1
            continue
        if lab == "schedule":
            block["mode"] = "schedule"
            block["schedule_years"] = [(col, fiscal_year_of(clean(c))) for col, c in cells[1:] if fiscal_year_of(clean(c))]
            block["schedule_where"] = r.where
            i += 1
            continue
        if block["mode"] == "schedule" and lab is None:
            block["tracks"].append(r)
            i += 1
            continue
        if lab is not None:
            block["mode"] = None
            block["last"] = lab
            value = " ".join(c for col, c in cells[1:])
            block["fields"].setdefault(lab, []).append(value)
            if lab == "title" and not title_label:
                title_label = re.sub(r"\s+", "", clean(first))
            i += 1
            continue
        # an empty label: the value continues the previous label (a page break in the PDF)
        if block["last"]:
            block["fields"][block["last"]].append(" ".join(c for _, c in cells))
        i += 1
    close()
    if summary:
        pv.problem(
            f"{summary[0]}〜{summary[-1]}",
            "",
            f"取組（No.）の外にある年度別の表（{len(summary)}行）は置き場所が分からないため取り込みませんでした。各取組のスケジュールをまとめた一覧であれば、取り込む必要はありません。",
        )
    if pv.items and not any(it.sections for it in pv.items.values()):
        pv.problem("-", "", "担当課の記載が見つかりませんでした。取組ごとに担当課を設定してください。")
    pv.level_names = [heading_word or "方針", title_label or "取組"]
    if years and not pv.start_year:
        pv.start_year = min(years)
    if years and not pv.end_year:
        pv.end_year = max(years)
    return pv


def _title_from(lines: list[str], furniture: set[str]) -> str:
    for t in furniture:
        if re.search(r"計画|方針|戦略", t) and len(t) <= 60:
            return t
    # A cover page splits the title over lines: 国分寺市 / 行政デジタル化 / 推進計画.
    joined = ""
    for t in lines:
        if re.search(r"年.*月|目次", t):
            break
        joined += t
        if re.search(r"(計画|方針|戦略)$", joined):
            return joined
    return lines[0] if lines else "取り込んだ計画"


def _finish(pv: Preview, block: dict, nodes: dict[str, PNode], current: PNode | None) -> None:
    item: PItem = block["item"]
    f = {k: "\n".join(v) for k, v in block["fields"].items()}
    raw_title = f.get("title", "")
    text = clean(raw_title, multiline=True)
    if text:
        lines = text.split("\n")
        head = lines[0].lstrip("■□◆●○ 　")
        if len(lines) == 1:  # no paragraph breaks: the title ends at the first space after ■
            parts = re.split(r"\s+", head, maxsplit=1)
            head, rest = parts[0], (parts[1] if len(parts) > 1 else "")
        else:
            rest = "\n".join(lines[1:])
        item.title = head[:300]
        item.description = rest
        if has_cyrillic(raw_title):
            pv.notes.append(f"{block['where']}: 「{item.title}」にキリル文字が混じっていたため置き換えました。")
    item.goal = clean(f.get("goal", ""), multiline=True)
    item.current_state = clean(f.get("current_state", ""), multiline=True)
    item.issues = clean(f.get("issues", ""), multiline=True)
    description = clean(f.get("description", ""), multiline=True)
    item.description = "\n".join(x for x in (item.description, description) if x)
    item.process = clean(f.get("process", ""), multiline=True)
    if "sections" in f:
        item.sections_text = clean(f["sections"])[:500]
        item.sections, item.all_sections = split_sections(f["sections"])
    if "indicators" in f:
        item.indicators = parse_indicators(f["indicators"])
    # The node: the number's prefix (1-ア → 1), else the heading above.
    prefix = re.split(r"[-.]", item.number)[0]
    node = nodes.get(prefix) or current
    if not item.title:
        if node is not None and node.number == item.number:
            item.title = node.title
            pv.notes.append(f"{block['where']}: No.{item.number} には「取組の方向性」がないため、見出し「{node.title}」を取組名にしました。")
        else:
            item.title = f"No.{item.number}"
            pv.problem(block["where"], item.number, "取組名（取組の方向性）が見つかりませんでした。")
    years = block["schedule_years"]
    if years:
        for order, tr in enumerate(block["tracks"]):
            cells = {col: c for col, c in enumerate(tr.cells)}
            label = clean(cells.get(0, ""))
            year_cells = [(y, cells.get(col, "")) for col, y in years]
            if not label:  # the text of the bar sits in the year it starts
                label = next((clean(c) for _, c in year_cells if clean(c)), "")
            item.schedule.extend(schedule_from_cells(year_cells, track=label, track_order=order))
        if not item.schedule:
            pv.problem(block.get("schedule_where", block["where"]), item.title, "スケジュールの見出しはありますが、年度ごとの内容が読み取れませんでした。")
    else:
        pv.problem(block["where"], item.title, "スケジュールが見つかりませんでした。")
    if not item.indicators:
        pv.problem(block["where"], item.title, "活動指標・成果指標が見つかりませんでした。")
    if item.key in pv.items:
        item.key = f"{item.key}:{block['start'].line}"
    if node is None:
        pv.problem(block["where"], f"{item.number} {item.title}", "上位の見出し（推進方針など）が見つからないため、置き場所が分かりませんでした。")
        return
    pv.items[item.key] = item
    node.placements.append(PPlacement(item.key, item.number, block["where"]))
