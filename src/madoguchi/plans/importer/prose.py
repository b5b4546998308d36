"""The prose family: a plan written as chapters and numbered headings (1 …, (1) …, ① …, ア …),
with no tables. Chapters named like 取組の方向性/基本方針 give the directions; chapters named
like 具体的な取組/取組項目/主な取組 give the items. What prose does not say (sections,
schedules, indicators) is reported as not found."""

from __future__ import annotations

import re

from .clean import clean
from .numbering import split_number
from .preview import PItem, PNode, PPlacement, Preview, find_period, guess_kind, guess_municipality, guess_status
from .read import Row

DIRECTION_CHAPTER = re.compile(r"取組の方向性|基本方針|基本目標|施策の方向|推進方針|重点方針|施策体系|施策の柱")
ITEM_CHAPTER = re.compile(r"具体的な取組|取組項目|主な取組|施策の展開|重点取組|個別施策|アクションプラン|取組内容")
CHAPTER = re.compile(r"^(?:第\s*([0-9０-９一二三四五六七八九十]+)\s*章|([0-9０-９]{1,2})(?![0-9.,])|([ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ]+))[\s.．　]*(\S.*)$")
# Items under a direction: 「① …」「ア …」 (a circled number or katakana counter, then a space).
ITEM_MARK = re.compile(r"^(?:[①-⑳]|[アイウエオカキクケコサシスセソ](?=[\s　]))\s*\S")
SUB = re.compile(r"^[(（]\s*([0-9０-９]{1,2})\s*[)）]\s*(.+)$")


def _strip_markup(line: str) -> tuple[str, bool]:
    heading = bool(re.match(r"^\s*#+\s", line))
    line = re.sub(r"^\s*#+\s*", "", line)
    line = re.sub(r"^\s*[-*]\s+", "", line)
    line = line.replace("**", "")
    return line.strip(), heading


def parse_prose(rows: list[Row]) -> Preview:
    pv = Preview(family="prose")
    lines: list[tuple[Row, str, bool]] = []
    for r in rows:
        if len(r.nonempty()) > 1:
            last = clean(r.nonempty()[-1][1])
            if re.fullmatch(r"[.．・\s]*\d{1,3}", last):  # a table of contents entry
                continue
        text, heading = _strip_markup("\t".join(r.cells))
        if text:
            lines.append((r, text.replace("\t", " "), heading))
    if lines:
        pv.title = clean(lines[0][1])
    pv.kind, pv.status, pv.municipality_name = guess_kind(pv.title), guess_status(pv.title), guess_municipality(pv.title)
    pv.start_year, pv.end_year = find_period("\n".join(clean(t) for _, t, _ in lines))

    chapter_role = None
    chapter_node: PNode | None = None
    open_target = None  # the node or item collecting paragraphs
    seen_chapters: list[str] = []
    current_direction: PNode | None = None
    for r, text, heading in lines:
        short = len(text) <= 45 and not text.endswith(("。", "、"))
        m = CHAPTER.match(text)
        if m and short and (heading or len(text) <= 30):
            number = clean(m.group(1) or m.group(2) or m.group(3))
            title = clean(m.group(4))
            if DIRECTION_CHAPTER.search(title):
                chapter_role = "directions"
            elif ITEM_CHAPTER.search(title):
                chapter_role = "items"
            else:
                chapter_role = None
                seen_chapters.append(f"{number} {title}")
                chapter_node = open_target = current_direction = None
                continue
            current_direction = None
            chapter_node = PNode(key=number, number=number, title=title, depth=0, where=r.where)
            pv.roots.append(chapter_node)
            open_target = chapter_node
            continue
        s = SUB.match(text)
        if s and short and chapter_node is not None:
            number, title = split_number(text)
            title = clean(title)
            if chapter_role == "directions":
                node = PNode(key=f"{chapter_node.key}/{number}", number=f"{chapter_node.number}-{number}", title=title, depth=1, where=r.where)
                chapter_node.children.append(node)
                open_target = current_direction = node
            else:
                item = PItem(key=f"item:{chapter_node.number}-{number}", number=number, title=title, where=r.where)
                pv.items[item.key] = item
                chapter_node.placements.append(PPlacement(item.key, number, r.where))
                open_target = item
            continue
        k = ITEM_MARK.match(text)
        if k and short and chapter_role == "directions" and isinstance(open_target, (PNode, PItem)) and current_direction is not None:
            number, title = split_number(text)
            item = PItem(key=f"item:{current_direction.number}-{number}", number=f"{current_direction.number}{number}", title=clean(title), where=r.where)
            pv.items[item.key] = item
            current_direction.placements.append(PPlacement(item.key, number, r.where))
            open_target = item
            continue
        if open_target is not None and not text.startswith("出典"):
            para = clean(text)
            open_target.description = (open_target.description + "\n" + para).strip() if open_target.description else para
    pv.level_names = ["章", "取組の方向性・取組項目"]
    if not pv.roots:
        pv.problem("-", "", "「取組の方向性」「具体的な取組」などの見出しが見つからず、計画の構成を読み取れませんでした。")
    if not pv.items:
        pv.problem("-", "", "取組（番号付きの見出し）が見つかりませんでした。")
    else:
        pv.problem("-", "", "担当課の記載が見つかりませんでした（文章形式の計画のため）。取組ごとに担当課を設定してください。")
        pv.problem("-", "", "年度ごとのスケジュール表が見つかりませんでした。")
        pv.problem("-", "", "活動指標・成果指標が見つかりませんでした。")
        if any(r.children for r in pv.roots) and any(r.placements for r in pv.roots) and not any(c.placements for r in pv.roots for c in r.children):
            pv.problem("-", "", "取組がどの「取組の方向性」に属するかの記載が見つからないため、取組は章の下にまとめて置きました。")
    if seen_chapters:
        pv.notes.append("計画の構成として扱わなかった章: " + "、".join(seen_chapters))
    return pv
