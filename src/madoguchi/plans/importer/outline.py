"""Outline inference: a plan's hierarchy read from the document's own numbering.

Japanese plans number their levels with a few marker families (Ⅰ/I, 1, (1), ①, ア, 1-1-1,
【基本目標1】, 第1章) and often a level word (基本方針, 施策, 取組, 取組事項 …) before the marker.
Each heading gets a *signature* (level word + marker family); the levels are inferred the way
an outliner infers heading levels: a signature not open yet nests under the open heading, one
already open closes everything below it and becomes its sibling. A level whose name the code
has never seen still nests correctly, because only the order of signatures matters.

Items are the headings whose blocks carry item labels (担当課, 内容, スケジュール …) at any
column; their ancestors (minus the document's own chapter headings around the whole tree) are
the nodes. Headings with a level word outside the tree (「基本方針 1 …」 described in prose) are
kept as classifications beside the tree.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .clean import clean
from .common import parse_indicators, split_sections
from .numbering import BLACK_CIRCLED, CIRCLED, IROHA, PAREN_DIGITS, ROMAN, SMALL_ROMAN
from .preview import PItem, PNode, PPlacement, Preview, find_period, guess_kind, guess_municipality, guess_status
from .read import Row
from .schedules import ScheduleHeader, entries_from, read_header, read_values, spaced_header, split_year, year_row
from .words import LABEL_WORDS, LEVEL_WORDS  # the words as data (re-exported here)

_WORD = "|".join(sorted(map(re.escape, LEVEL_WORDS), key=len, reverse=True))
_LATIN_ROMAN = {"I": "Ⅰ", "II": "Ⅱ", "III": "Ⅲ", "IV": "Ⅳ", "V": "Ⅴ", "VI": "Ⅵ", "VII": "Ⅶ", "VIII": "Ⅷ", "IX": "Ⅸ", "X": "Ⅹ"}
_FW = str.maketrans(
    "０１２３４５６７８９（）－ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ",
    "0123456789()-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
)
# One marker; the alternatives are tried in this order (a compound 1-1-1 before a bare 1).
_PART = (
    # (ア), ⑴, ❶, ⅰ, 1), a), 〔1〕 / [1]: each a family of its own (⑴ is the (1) family)
    rf"(?:\([{IROHA}]\)|[{PAREN_DIGITS}{BLACK_CIRCLED}]|[{SMALL_ROMAN}]+|\d{{1,3}}\)|[A-Za-z]\)|[〔［\[]\d{{1,3}}[〕］\]]"
    rf"|\(\d{{1,3}}\)|[{CIRCLED}]|[{ROMAN}]+|(?:X|IX|IV|V?I{{1,3}}|VI{{0,3}}|V)(?![A-Za-z])|\d{{1,3}}(?![\d年月日%％件人歳時分回万億.,])|[{IROHA}](?![ぁ-んァ-ヶー])"
    # Latin letters (A. B. (a) ａ．, A-1): one letter in brackets, or followed by a separator or a
    # dash and a digit, so that 「AI活用」「e-Tax」 stay titles.
    r"|\([A-Za-z]\)|[A-Za-z](?=[\s　.．、:：)】］〕\]]|$|\s*-\s*\d))"
)
_MARKER = re.compile(rf"^(?P<m>{_PART}(?:\s*[-‐－―・.]\s*{_PART}|[{CIRCLED}]|\(\d{{1,3}}\))*)")
_CHAPTER = re.compile(r"^第\s*([0-9一二三四五六七八九十]+)\s*([章節部編])\s*(.*)$")
_BRACKET = re.compile(rf"^[【\[［〔]\s*(?P<w>{_WORD}|[^\d\s】\]］〕]{{1,8}}?)\s*(?P<m>{_PART})\s*[】\]］〕]\s*(?P<t>.*)$")
# A word the code has never seen also names a level (「重点 1-1」「ステップ2」), except words that
# caption figures and tables or begin a date.
_ANY_WORD = r"(?!図|表|資料|参考|別紙|別表|注|令和|平成|昭和|第|約|計|全|本|各|同|年|月|日)[一-龥ァ-ヶー々]{1,8}?"
_PART_NO_KANA = _PART.replace(rf"|[{IROHA}](?![ぁ-んァ-ヶー])", "")
_WORDED = re.compile(
    rf"^(?:(?P<w>{_WORD})|(?P<w2>{_ANY_WORD})(?=\s*(?:{_PART_NO_KANA})))\s*(?P<m>{_PART}(?:\s*[-‐－―・.]\s*{_PART}|[{CIRCLED}]|\(\d{{1,3}}\))*)(?![0-9A-Za-z])\s*[:：.．、]?\s*(?P<t>.*)$"
)
_NUMBER_CELL = re.compile(r"^(?P<w>\S{1,8}?)(?:番号|No\.?|NO\.?)$")
_NAME_CELL = re.compile(r"^\S{1,8}?名$")

ITEM_LABELS = {"sections", "related", "schedule", "description", "indicators", "process"}
# Brackets a label may be printed in: 【担当課】 ［内容］ 〔スケジュール〕 <概要> 〈工程表〉 《指標》 ■担当課
OPEN_BRACKETS, CLOSE_BRACKETS = "【［〔<〈《[＜(（", "】］〕>〉》]＞)）"
_LABEL_LOOKUP = {re.sub(r"[\s　]+", "", w): name for name, words in LABEL_WORDS.items() for w in words}
_LABEL_ALT = "|".join(sorted(map(re.escape, _LABEL_LOOKUP), key=len, reverse=True))
_BRACKET_LABEL = re.compile(rf"^[■□◆◇●○・]?\s*[{re.escape(OPEN_BRACKETS)}]\s*(?P<l>{_LABEL_ALT})\s*[{re.escape(CLOSE_BRACKETS)}]\s*[:：]?\s*(?P<v>.*)$", re.S)


def label_of(text: str) -> str | None:
    t = re.sub(r"[\s　:：]+", "", clean(text))
    if not t or len(t) > 18:
        return None
    t = re.sub(r"^[■□◆◇●○・]", "", t)
    if len(t) >= 3 and t[0] in OPEN_BRACKETS and t[-1] in CLOSE_BRACKETS:
        t = t[1:-1]
    return _LABEL_LOOKUP.get(t)


def bracket_label(text: str) -> tuple[str, str] | None:
    """「【担当課】住民課」「［内容］…」「〔スケジュール〕令和7年度 検討」「<概要>」 → (field, value):
    a label printed in brackets heads its line, the value (possibly empty) follows."""
    m = _BRACKET_LABEL.match(clean(text, multiline=True))
    if not m:
        return None
    return _LABEL_LOOKUP[re.sub(r"[\s　]+", "", m.group("l"))], m.group("v").strip()


_INLINE_LABEL = re.compile(r"^(?P<l>[^\s：:（(]{1,16}?)\s*(?:[：:]|\s)\s*(?P<v>\S.*)$")
_TRAILING_LABEL = re.compile(r"[（(]\s*(?P<l>[^\s：:（）()]{1,16})\s*[：:]\s*(?P<v>[^（）()]+)[）)]\s*$")


def inline_label(text: str) -> tuple[str, str] | None:
    """「担当課：市民課」「担当課　市民課」「【担当課】市民課」 → ("sections", "市民課"): a label and
    its value in one cell, separated by a colon, a space or the label's closing bracket."""
    bracketed = bracket_label(text)
    if bracketed is not None:
        return bracketed if bracketed[1] else None
    m = _INLINE_LABEL.match(clean(text))
    if not m:
        return None
    lab = label_of(m.group("l"))
    return (lab, m.group("v").strip()) if lab else None


@dataclass
class Heading:
    index: int  # row index
    word: str  # level word as printed ("" for a bare marker)
    family: str  # marker family: roman / arabic / paren / circled / kana / dashN / chapter
    number: str
    title: str
    where: str
    parent: int | None = None  # index into the heading list
    position: int = 0  # this heading's index in that list
    labels: Counter = field(default_factory=Counter)

    @property
    def signature(self) -> tuple[str, str]:
        return (self.word, self.family)


def _family(marker: str) -> str:
    parts = re.split(r"\s*[-‐－―・.]\s*", marker)
    if len(parts) > 1:
        return f"dash{len(parts)}"
    m = marker
    if m.startswith("("):
        return "paren_kana" if m[1:2] in IROHA else "paren_latin" if m[1:2].isascii() and m[1:2].isalpha() else "paren"
    if m[0] in PAREN_DIGITS:
        return "paren"
    if m[0] in BLACK_CIRCLED:
        return "black_circled"
    if m[0] in SMALL_ROMAN:
        return "small_roman"
    if m[0] in "〔［[":
        return "bracket"
    if m.endswith(")"):  # 1) a)
        return "half_paren_latin" if m[0].isalpha() else "half_paren"
    if m[0] in CIRCLED:
        return "circled"
    if m[0] in ROMAN or m[0] in "IVX":
        return "roman"
    if m[0] in IROHA:
        return "kana"
    if m[0].isascii() and m[0].isalpha():
        return "latin" if m[0].isupper() else "latin_lower"
    return "arabic"


def _normal_marker(marker: str) -> str:
    m = re.sub(r"\s+", "", marker)
    m = re.sub(r"(?<![A-Za-z])(VIII|VII|III|IX|IV|VI|II|X|V|I)(?![A-Za-z])", lambda x: _LATIN_ROMAN[x.group(1)], m)
    m = "".join(f"({PAREN_DIGITS.index(c) + 1})" if c in PAREN_DIGITS else c for c in m)  # ⑴ → (1)
    return m.replace("‐", "-").replace("－", "-").replace("―", "-")


def _good_title(title: str) -> bool:
    return len(title) <= 90 and not title.endswith(("。", "、", "，"))


def heading_of(cells: list[str], index: int, where: str) -> Heading | None:
    """A heading row: 「基本施策 Ⅰ 窓口…」, 「取組(1) …」, 「取組事項① ⇥ title」, 「施策番号 ⇥ 1 ⇥ 施策名 ⇥
    title」, 「【基本目標1】…」, 「第2章 …」, or a bare 「(1) …」 / 「① …」 alone on its line."""
    if not cells or len(cells) > 4:
        return None
    c0 = cells[0].translate(_FW)
    printed = cells[0]  # the same characters before the width folding (the title keeps them)
    # 施策番号 ⇥ 1 ⇥ 施策名 ⇥ title
    m = _NUMBER_CELL.match(re.sub(r"\s+", "", c0))
    if m and len(cells) >= 2:
        mk = _MARKER.match(cells[1].translate(_FW).strip())
        if mk and mk.end() == len(cells[1].translate(_FW).strip()):
            rest = cells[2:]
            if rest and _NAME_CELL.match(re.sub(r"\s+", "", rest[0])):
                rest = rest[1:]
            title = " ".join(rest).strip()
            if title and _good_title(title):
                marker = _normal_marker(mk.group("m"))
                return Heading(index, m.group("w"), _family(marker), marker, title, where)
        return None
    m = _CHAPTER.match(c0)
    if m:
        title = (printed[m.start(3) : m.end(3)] or " ".join(cells[1:2])).strip()
        if len(cells) <= 2 and title and _good_title(title):
            return Heading(index, m.group(2), "chapter", f"第{m.group(1)}{m.group(2)}", title, where)
        return None
    for pattern in (_BRACKET, _WORDED):
        m = pattern.match(c0)
        if m:
            title = printed[m.start("t") : m.end("t")].strip()
            extra = [c for c in cells[1:]]
            if not title and len(extra) == 1:
                title = extra[0].strip()
            elif extra and (title or len(extra) > 1):
                return None
            if not title or not _good_title(title) or label_of(title):
                return None
            marker = _normal_marker(m.group("m"))
            word = m.group("w") or (m.groupdict().get("w2") or "")
            return Heading(index, word, _family(marker), marker, title, where)
    if len(cells) == 2 and _MARKER.fullmatch(c0.strip()):
        c0 = f"{c0.strip()} {cells[1]}"  # 「① ⇥ 電子申請の拡大」: the marker in its own cell
        printed = f"{printed.strip()} {cells[1]}"
    elif len(cells) != 1:
        return None
    mk = _MARKER.match(c0)
    if not mk:
        return None
    title = printed[mk.end() :].strip()
    raw = mk.group("m")
    # A bare marker needs a separator before its title (「1 方針」, not 「1人」) and a short title.
    if not title or not (c0[mk.end() : mk.end() + 1] in (" ", "　", ".", "．", "、") or raw[-1] in f")〕］]{CIRCLED}{PAREN_DIGITS}{BLACK_CIRCLED}"):
        return None
    title = title.lstrip(".．、 　")
    if len(title) > 50 or not _good_title(title) or re.match(r"^[-‐－―]", title):
        return None
    if raw[0] in "IVX" and not re.match(r"^[IVX]+\s", c0):
        return None
    marker = _normal_marker(raw)
    return Heading(index, "", _family(marker), marker, title, where)


def _cells(row: Row) -> list[tuple[int, str]]:
    return [(i, clean(c)) for i, c in row.nonempty() if clean(c)]


def looks_like_outline(rows: list[Row]) -> bool:
    """Worded headings (取組事項①, 施策番号 ⇥ 1) owning item label blocks, three times or more."""
    owned = 0
    last = None
    for i, r in enumerate(rows):
        cells = _cells(r)
        if not cells:
            continue
        h = heading_of([c for _, c in cells], i, r.where)
        if h is not None:
            last = h
            continue
        if re.fullmatch(r"(No\.?|NO\.?|№|番号|項番)", cells[0][1]):
            last = None  # 「No. ⇥ 1-ア」 item blocks are the blocks family
            continue
        first = label_of(cells[0][1]) or (inline_label(cells[0][1]) or (None,))[0]
        if last is not None and first in ("sections", "schedule"):
            owned += 1
            last = None
    return owned >= 3


_OPEN, _CLOSE = "（(「『【［〔", "）)」』】］〕"
# A title cut here goes on (a particle or ・ ends it), or its next line cannot start a phrase
# (a suffix such as 化/的/性, a case particle, a closing bracket, a small kana or ー).
_CUT_END = re.compile(r"(?:の|を|に|と|や|が|へ|・|及び|並びに|による|における|に係る)$")
_CUT_START = re.compile(r"^(?:[化的性等率用）)」』】］〕ーぁぃぅぇぉっゃゅょァィゥェォッャュョ]|[のをがへ](?![ぁ-ん]))")


def _wrapped(title: str, nxt: str) -> bool:
    """PDF extraction broke a heading's title onto the next line (「デジタル市／役所」「オンライン／化」
    「手続の／拡大」「（窓口手数／料）」)."""
    from .clean import _tokens

    if sum(title.count(c) for c in _OPEN) > sum(title.count(c) for c in _CLOSE):
        return True
    if _CUT_END.search(title) or _CUT_START.match(nxt):
        return True
    spans = _tokens(title[-8:] + nxt[:8])
    return bool(spans) and any(b < len(title[-8:]) < e for b, e in spans)


def _title_goes_on(rows: list[Row], i: int, title: str) -> int:
    """How many lines after heading row ``i`` carry the rest of its title (0–2): a short line, no
    sentence, label, year or heading of its own, followed by a heading, a label or a blank line
    (so not the first line of a paragraph), where the join reads as one word or phrase."""
    taken = 0
    while taken < 2 and i + taken + 1 < len(rows):
        cells = _cells(rows[i + taken + 1])
        if len(cells) != 1:
            break
        t = cells[0][1]
        if len(t) > 20 or t.endswith("。") or label_of(t) or inline_label(t) or split_year(t)[0] is not None:
            break
        if heading_of([t], 0, "") is not None or _TRAILING_LABEL.search(t):
            break
        after = _cells(rows[i + taken + 2]) if i + taken + 2 < len(rows) else []
        if after and not (
            heading_of([c for _, c in after], 0, "") is not None or label_of(after[0][1]) or inline_label(after[0][1]) or bracket_label(after[0][1])
        ):
            if not (len(after) == 1 and _wrapped(title + t, after[0][1]) and len(after[0][1]) <= 20):
                break
        if not _wrapped(title, t):
            break
        title += t
        taken += 1
    return taken


@dataclass
class _Block:
    """What the rows under one heading say."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    text: list[str] = field(default_factory=list)
    schedule: list = field(default_factory=list)
    schedule_where: str = ""
    had_schedule_label: bool = False


def parse_outline(rows: list[Row], partial: bool = False) -> Preview:
    """``partial``: when no heading owns item labels, still build the tree the numbered headings
    give (the most common heading without sub-headings as the items), for staff to finish in
    the structure editor (see :data:`PARTIAL_NOTE`)."""
    pv = Preview(family="outline")
    headings: list[Heading] = []
    blocks: list[_Block] = []
    tables: list[tuple[str, int, str]] = []  # (where, rows, header text)
    stack: list[Heading] = []
    block: _Block | None = None
    last_label: str | None = None
    header: ScheduleHeader | None = None
    table_run: list[Row] = []
    pending_schedule = False
    year_lines = False  # under a schedule label: lines of 「令和8年度 設計」 one year each

    def flush_table():
        if len(table_run) >= 2:
            tables.append((table_run[0].where, len(table_run), " / ".join(c for _, c in _cells(table_run[0]))[:80]))
        table_run.clear()

    skip_to = -1
    for i, r in enumerate(rows):
        if i <= skip_to:  # the rest of a heading's title, already joined to it
            continue
        cells = _cells(r)
        if not cells:
            header = None
            last_label = None
            flush_table()
            continue
        texts = [c for _, c in cells]
        h = heading_of(texts, i, r.where)
        if h is not None:
            goes_on = _title_goes_on(rows, i, h.title)
            if goes_on:
                h.title = h.title + "".join(_cells(rows[i + k])[0][1] for k in range(1, goes_on + 1))
                skip_to = i + goes_on
            flush_table()
            while stack and stack[-1].signature != h.signature and h.signature in {s.signature for s in stack}:
                stack.pop()
            if stack and stack[-1].signature == h.signature:
                stack.pop()
            h.parent = stack[-1].position if stack else None
            h.position = len(headings)
            stack.append(h)
            headings.append(h)
            block = _Block()
            blocks.append(block)
            header = None
            last_label = None
            pending_schedule = year_lines = False
            continue
        if block is None:
            continue
        # A label at any column: the cells after it are its value.
        lab_pos = next(((k, label_of(c)) for k, (_, c) in enumerate(cells[:2]) if label_of(c)), None)
        inline_value = ""
        if lab_pos is None and (pending_schedule or year_lines):
            # 「工程表」 alone on its line, the years on the next: that row is the header; or
            # one 「令和8年度 設計」 per line under it, read until a line is something else.
            first_line, pending_schedule = pending_schedule, False
            header = spaced_header(r.cells) if first_line else None
            if header is not None and split_year(texts[0])[0] is not None:
                continue  # 「令和7年度　令和8年度　令和9年度」 apart by spaces: values below
            header = read_header(r.cells, -1)
            if header is not None and not header.inline and first_line:
                continue
            if header is not None and header.inline and all(len(t) <= 40 and not t.endswith("。") for _, t in header.inline):
                block.fields.setdefault("schedule_text", []).append(" ".join(texts))
                year_lines = True
                header = None
                continue
            year_lines = False
            header = None
        if lab_pos is None:
            # 「担当課：市民課」「担当課 市民課」: the label and its value in one cell.
            found = next(((k, *split) for k, (_, c) in enumerate(cells[:2]) if (split := inline_label(c))), None)
            if found is not None:
                lab_pos, inline_value = (found[0], found[1]), found[2]
        pending_schedule = year_lines = False
        if lab_pos is not None:
            k, lab = lab_pos
            headings[-1].labels[lab] += 1
            flush_table()
            if lab == "schedule":
                block.had_schedule_label = True
                block.schedule_where = r.where
                header = read_header(r.cells, cells[k][0])
                if header is None and len(cells) == k + 1:
                    # 「年度別計画　令和7年度　令和8年度　令和9年度」 in one cell: values below
                    header = spaced_header(r.cells[cells[k][0] :])
                    if header is not None:
                        last_label = None
                        continue
                if header is not None and header.inline:  # 「令和5年度 検討 ⇥ 令和6年度 導入」
                    block.schedule.append(entries_from(header.inline, track_order=len(block.schedule)))
                    header = None
                elif header is None:  # 「スケジュール ⇥ 令和5年度 検討 ⇥ …」 or no years at all
                    value = " ".join([inline_value] * bool(inline_value) + [c for _, c in cells[k + 1 :]])
                    if value:
                        block.fields.setdefault("schedule_text", []).append(value)
                    else:
                        pending_schedule = True
                last_label = None
                continue
            header = None
            last_label = lab
            value = "\n".join([inline_value] * bool(inline_value) + [clean(r.cells[col], multiline=True) for col, _ in cells[k + 1 :]])
            block.fields.setdefault(lab, []).append(value)
            continue
        if lab_pos is None and len(cells) >= 2 and (bare := year_row(r.cells)) is not None:
            # Years in cells of their own with no schedule label before them (an HTML <th> row,
            # a 「R8 ⇥ R9 ⇥ R10」 line): the value rows below are the schedule.
            header, last_label = bare, None
            block.had_schedule_label = True
            block.schedule_where = block.schedule_where or r.where
            flush_table()
            continue
        if header is not None:
            entries = read_values(header, r.cells, len(block.schedule))
            # Under years without a label, figures (「1200 ⇥ 1800」) are a statistics table.
            if entries is not None and not (header.bare and not any(e.phase for e in entries)):
                block.schedule.append(entries)
                continue
            header = None
        if len(cells) >= 2 and not last_label:
            table_run.append(r)
            continue
        text = clean(" ".join(r.cells[col] for col, _ in cells), multiline=True)
        if last_label and len(cells) == 1 and cells[0][0] > 0:
            block.fields[last_label].append(text)  # the label's cell continued on the next row
            continue
        last_label = None
        # 「…を設けます。（担当課：市民課）」: a label in brackets at the end of a sentence.
        m = _TRAILING_LABEL.search(text)
        if m and label_of(m.group("l")):
            block.fields.setdefault(label_of(m.group("l")), []).append(m.group("v").strip())
            headings[-1].labels[label_of(m.group("l"))] += 1
            text = text[: m.start()].rstrip()
        if text:
            block.text.append(text)
    flush_table()
    _assemble(pv, rows, headings, blocks, tables, partial)
    return pv


PARTIAL_NOTE = (
    "担当課・スケジュールなどの項目を持つ見出しが見つからなかったため、番号の付いた見出しだけから仮の体系を作りました。"
    "「体系を直す」で階層と取組を確かめ、担当課・スケジュールは保存後に取組の編集で入れてください。"
)


def _partial_items(headings: list[Heading]) -> tuple[str, str] | None:
    """The signature read as items when no heading owns labels: the most common one among
    headings without sub-headings (deeper wins a tie), printed twice or more, not a chapter."""
    has_child = {h.parent for h in headings if h.parent is not None}
    depth: dict[int, int] = {}
    for n, h in enumerate(headings):
        depth[n] = 0 if h.parent is None else depth[h.parent] + 1
    leaves = Counter(h.signature for n, h in enumerate(headings) if n not in has_child and h.family != "chapter")
    if not leaves:
        return None
    best = max(leaves, key=lambda s: (leaves[s], max(depth[n] for n, h in enumerate(headings) if h.signature == s)))
    return best if leaves[best] >= 2 else None


def _assemble(pv: Preview, rows: list[Row], headings: list[Heading], blocks: list[_Block], tables, partial: bool = False) -> None:
    single = [clean(" ".join(r.cells)) for r in rows[:60] if len(_cells(r)) == 1]
    pv.title = next((t for t in single if re.search(r"計画|方針|戦略|プラン", t) and len(t) <= 60), single[0] if single else "取り込んだ計画")
    pv.kind, pv.status, pv.municipality_name = guess_kind(pv.title), guess_status(pv.title), guess_municipality(pv.title)
    pv.start_year, pv.end_year = find_period("\n".join(clean(" ".join(r.cells)) for r in rows))

    # Item signature: the one whose headings most often own item labels (deeper wins a tie).
    owners = Counter(h.signature for h in headings if ITEM_LABELS & set(h.labels))
    if not owners and partial and (sig := _partial_items(headings)) is not None:
        owners = Counter({sig: 1})
        pv.partial = True
        pv.notes.append(PARTIAL_NOTE)
    if not owners:
        pv.problem("-", "", "担当課・スケジュールなどの項目を持つ見出しが見つからず、計画の構成を読み取れませんでした。")
        return
    depth = {}
    for n, h in enumerate(headings):
        depth[n] = 0 if h.parent is None else depth[h.parent] + 1
    item_sig = max(owners, key=lambda s: (owners[s], max(depth[n] for n, h in enumerate(headings) if h.signature == s)))
    item_ids = [n for n, h in enumerate(headings) if h.signature == item_sig]

    def chain(n: int) -> list[int]:
        out = []
        p = headings[n].parent
        while p is not None:
            out.append(p)
            p = headings[p].parent
        return out[::-1]

    chains = {n: chain(n) for n in item_ids}
    # A signature whose headings are several but only one of them holds items is not a level of
    # the tree: it is a classification described before the tree (「基本方針1 … 基本方針3」
    # followed by 「基本施策 Ⅰ」), which the outliner nested under its last heading.
    holding: dict[tuple[str, str], set[int]] = {}
    for c in chains.values():
        for p in c:
            holding.setdefault(headings[p].signature, set()).add(p)
    every = Counter(h.signature for h in headings)
    beside = {sig for sig, held in holding.items() if len(held) == 1 and every[sig] >= 2 and headings[next(iter(held))].word}
    if beside:
        chains = {n: [p for p in c if headings[p].signature not in beside] for n, c in chains.items()}
    # Drop the document's own chapters around the whole tree (bare markers common to every item).
    prefix = 0
    first = chains[item_ids[0]]
    while prefix < len(first) and all(len(c) > prefix and c[prefix] == first[prefix] for c in chains.values()):
        if headings[first[prefix]].word and headings[first[prefix]].family != "chapter":
            break
        prefix += 1
    node_ids = sorted({p for c in chains.values() for p in c[prefix:]})
    level_sigs: list[tuple[str, str]] = []
    for n in node_ids:
        if headings[n].signature not in level_sigs:
            level_sigs.append(headings[n].signature)

    nodes: dict[int, PNode] = {}
    for n in node_ids:
        h = headings[n]
        parent = nodes.get(h.parent) if h.parent is not None else None
        key = f"{parent.key}/{h.number}" if parent else h.number
        node = PNode(key=key, number=h.number, title=h.title, depth=parent.depth + 1 if parent else 0, where=h.where)
        b = blocks[n]
        node.goal = "\n".join(x for x in b.fields.get("goal", []) if x)
        node.current_state = "\n".join(x for x in b.fields.get("current_state", []) + b.fields.get("issues", []) if x)
        node.description = "\n".join(x for x in b.fields.get("description", []) + b.text if x)
        nodes[n] = node
        (parent.children if parent else pv.roots).append(node)

    for n in item_ids:
        h = headings[n]
        parent = next((nodes[p] for p in reversed(chains[n]) if p in nodes), None)
        b = blocks[n]
        key = f"item:{parent.key}/{h.number}" if parent else f"item:{h.number}"
        if key in pv.items:
            key = f"{key}:{rows[h.index].line}"
        item = PItem(key=key, number=h.number, title=h.title[:300], where=h.where)
        f = {k: "\n".join(x for x in v if x) for k, v in b.fields.items()}
        item.goal = f.get("goal", "")
        item.current_state = f.get("current_state", "")
        item.issues = f.get("issues", "")
        item.description = "\n".join(x for x in [f.get("description", "")] + b.text if x)
        item.process = f.get("process", "")
        names = "、".join(x for x in (f.get("sections", ""), f.get("related", "")) if x)
        if names:
            item.sections_text = clean(names)[:500]
            item.sections, item.all_sections = split_sections(names)
        if f.get("indicators"):
            item.indicators = parse_indicators(f["indicators"])
        for track in b.schedule:
            item.schedule.extend(track)
        if "schedule_text" in f:
            from .schedules import read_inline

            item.schedule.extend(read_inline(f["schedule_text"], pv.end_year))
        if not item.sections_text:
            pv.problem(h.where, f"{h.number} {h.title}", "担当課の記載が見つかりませんでした。")
        if not item.schedule:
            reason = (
                "スケジュールの見出しはありますが、年度ごとの内容が読み取れませんでした。" if b.had_schedule_label else "スケジュールが見つかりませんでした。"
            )
            pv.problem(b.schedule_where or h.where, f"{h.number} {h.title}", reason)
        pv.items[key] = item
        if parent is None:
            pv.problem(h.where, f"{h.number} {h.title}", "上位の見出しが見つからないため、置き場所が分かりませんでした。")
            pv.roots.append(PNode(key=f"(全体){n}", number="", title=pv.title, depth=0, placements=[PPlacement(key, h.number, h.where)]))
            continue
        parent.placements.append(PPlacement(key, h.number, h.where))

    years = [e.fiscal_year for it in pv.items.values() for e in it.schedule]
    if years and not pv.start_year:
        pv.start_year = min(years)
    if years and not pv.end_year:
        pv.end_year = max(years)
    names = [_level_name(s) for s in level_sigs] + [_level_name(item_sig)]
    pv.level_names = names
    # Classifications beside the tree: worded headings of a signature not used by the tree.
    used = set(level_sigs) | {item_sig}
    for n, h in enumerate(headings):
        if h.word and h.family != "chapter" and h.signature not in used and n not in nodes and re.search(r"方針|目標|戦略|視点", h.word):
            pv.policies.append({"word": h.word, "number": h.number, "title": h.title, "text": "\n".join(blocks[n].text), "where": h.where, "nodes": []})
    for where, count, head in tables:
        pv.tables.append({"where": where, "rows": count, "header": head})
    if pv.policies:
        link_policies(pv, rows)


_MARK = re.compile(r"^[○◯●◎〇✓✔]$")


def link_policies(pv: Preview, rows: list[Row]) -> None:
    """The 体系 table that maps classifications (基本方針) to nodes, in either form: a row naming
    a policy and a node (「基本方針1 ⇥ Ⅰ 窓口サービス…」), or a matrix with the policies across
    the header and a mark (○) where a node's row meets a policy's column."""

    def flat(text: str) -> str:
        return re.sub(r"[\s　]+", "", clean(text)).translate(_FW)

    policy_refs = [(k, flat(f"{p['word']}{p['number']}"), flat(p["title"])) for k, p in enumerate(pv.policies)]
    node_refs = [(node, flat(node.title), flat(f"{node.number}{node.title}")) for node, _ in pv.walk()]

    def policy_in(text: str) -> int | None:
        t = flat(text)
        for k, ref, title in policy_refs:
            if t and (t.startswith(ref) and not t[len(ref) : len(ref) + 1].isdigit() or (len(title) >= 4 and title in t)):
                return k
        return None

    def node_in(text: str):
        t = flat(text)
        for node, title, numbered in node_refs:
            if t and (t == title or t == numbered or (len(title) >= 6 and t.endswith(title))):
                return node
        return None

    def link(k: int, node) -> None:
        if node.key not in pv.policies[k]["nodes"]:
            pv.policies[k]["nodes"].append(node.key)

    columns: dict[int, int] = {}
    for r in rows:
        cells = [(i, c) for i, c in enumerate(r.cells) if c and c.strip()]
        if len(cells) < 2:
            columns = {} if not cells else columns
            continue
        header = {i: policy_in(c) for i, c in cells}
        header = {i: k for i, k in header.items() if k is not None}
        if len(header) >= 2 and not any(node_in(c) for _, c in cells):
            columns = header  # a matrix: policies across the top
            continue
        node = next((n for _, c in cells if (n := node_in(c)) is not None), None)
        if node is None:
            continue
        if columns:
            for i, c in cells:
                if i in columns and _MARK.match(clean(c)):
                    link(columns[i], node)
        for i, k in header.items():
            if not _MARK.match(clean(r.cells[i])):
                link(k, node)


def _level_name(sig: tuple[str, str]) -> str:
    word, family = sig
    if word:
        return word
    if family.startswith("dash"):
        return f"{family[4:]}階層目の項目"
    return {"roman": "大項目", "arabic": "項目", "paren": "中項目", "circled": "小項目", "kana": "細目", "latin": "項目", "chapter": "章"}.get(family, "項目")
