"""Import plan documents: read (XLSX/CSV/TSV/text) → recognise the family by its labels → a
:class:`Preview` that staff check → :func:`save` (re-importing updates, never duplicates)."""

from __future__ import annotations

from .blocks import looks_like_blocks, parse_blocks
from .evaluation import find_evaluation
from .outline import looks_like_outline, parse_outline
from .pages import drop_page_furniture
from .preview import Preview, Problem
from .prose import parse_prose
from .read import PlanImportError, Row, read_rows
from .save import SaveResult, save_preview
from .table import looks_like_table, parse_table, untranspose

__all__ = [
    "NO_STRUCTURE",
    "PlanImportError",
    "Preview",
    "Problem",
    "SaveResult",
    "parse",
    "parse_rows",
    "parse_structured",
    "save_preview",
    "store_lines",
    "stored_rows",
]


NO_STRUCTURE = (
    "この文書からは計画の構成（番号の付いた見出しや、担当課・スケジュールなどの項目）を読み取れませんでした。"
    "計画の本文（施策・取組の一覧や表）を含むファイルか確かめてください。PDFから変換した場合は、表の部分をExcel（XLSX）かCSVで保存したファイルもお試しください。"
)


def parse(data: bytes, filename: str = "") -> Preview:
    """Raise PlanImportError (a Japanese message) when the file cannot be read at all, or when
    nothing of a plan's structure was found in it (rather than offering junk to save)."""
    return parse_structured(read_rows(data, filename))


def _empty(pv: Preview) -> bool:
    return not pv.items and not any(node.placements or node.children for node, _ in pv.walk())


def parse_structured(rows) -> Preview:
    pv = parse_rows(rows)
    if _empty(pv):
        raise PlanImportError(NO_STRUCTURE)
    return pv


def store_lines(rows) -> list:
    """The extracted rows as stored on the import (trailing empty cells dropped)."""
    out = []
    for r in rows:
        cells = list(r.cells)
        while cells and not (cells[-1] or "").strip():
            cells.pop()
        out.append([r.line, r.sheet, cells])
    return out


def stored_rows(lines) -> list:
    return [Row(line, cells, sheet=sheet) for line, sheet, cells in lines]


def parse_rows(rows) -> Preview:
    rows, furniture = drop_page_furniture(rows)
    pv = _parse_family(rows)
    if furniture:
        pv.notes.append(f"ページ番号と各ページの柱（見出し・フッター）の{furniture}行は、本文ではないため読み飛ばしました。")
    return pv


def _parse_family(rows) -> Preview:
    table = flipped = None
    if not looks_like_outline(rows):  # (the table checks cost time the outline case needs not)
        table = looks_like_table(rows)
        # Measures in columns (one label per row, 「取組名 ⇥ A ⇥ B」): read with rows and columns
        # swapped, before the label-block family takes its 「取組番号」 row for a block's number.
        flipped = None if table else untranspose(rows)
        if flipped is not None and not looks_like_table(flipped):
            flipped = None
    if table is None:
        pv = parse_outline(rows)
    elif flipped is not None:
        pv = parse_table(flipped)
        pv.notes.append("取組が列に並ぶ表（1列目が「取組名」「担当課」「令和N年度」などの見出し）だったため、行と列を入れ替えて読みました。")
    elif looks_like_blocks(rows):
        pv = parse_blocks(rows)
    elif table:
        pv = parse_table(rows)
    else:
        pv = parse_prose(rows)
    if _empty(pv):
        # Nothing the families recognise as items: the tree the numbered headings give, for
        # staff to finish in the structure editor, rather than refusing the document.
        partial = parse_outline(rows, partial=True)
        if partial.partial and not _empty(partial):
            pv = partial
    pv.evaluation = find_evaluation(rows)
    if pv.evaluation:  # imported as the previous plan's evaluation, so not "a table left out"
        own = {pv.evaluation.get("where"), *pv.evaluation.get("header_rows", [])}
        pv.tables = [t for t in pv.tables if t.get("where") not in own]
    return pv
