"""Import plan documents: read (XLSX/CSV/TSV/text) → recognise the family by its labels → a
:class:`Preview` that staff check → :func:`save` (re-importing updates, never duplicates)."""

from __future__ import annotations

from .blocks import looks_like_blocks, parse_blocks
from .evaluation import find_evaluation
from .outline import looks_like_outline, parse_outline
from .preview import Preview, Problem
from .prose import parse_prose
from .read import PlanImportError, read_rows
from .save import SaveResult, save_preview
from .table import looks_like_table, parse_table

__all__ = ["NO_STRUCTURE", "PlanImportError", "Preview", "Problem", "SaveResult", "parse", "parse_rows", "save_preview"]


NO_STRUCTURE = (
    "この文書からは計画の構成（番号の付いた見出しや、担当課・スケジュールなどの項目）を読み取れませんでした。"
    "計画の本文（施策・取組の一覧や表）を含むファイルか確かめてください。PDFから変換した場合は、表の部分をExcel（XLSX）かCSVで保存したファイルもお試しください。"
)


def parse(data: bytes, filename: str = "") -> Preview:
    """Raise PlanImportError (a Japanese message) when the file cannot be read at all, or when
    nothing of a plan's structure was found in it (rather than offering junk to save)."""
    pv = parse_rows(read_rows(data, filename))
    if not pv.items and not any(node.placements or node.children for node, _ in pv.walk()):
        raise PlanImportError(NO_STRUCTURE)
    return pv


def parse_rows(rows) -> Preview:
    if looks_like_outline(rows):
        pv = parse_outline(rows)
    elif looks_like_blocks(rows):
        pv = parse_blocks(rows)
    elif looks_like_table(rows):
        pv = parse_table(rows)
    else:
        pv = parse_prose(rows)
    pv.evaluation = find_evaluation(rows)
    return pv
