"""Import plan documents: read (XLSX/CSV/TSV/text) → recognise the family by its labels → a
:class:`Preview` that staff check → :func:`save` (re-importing updates, never duplicates)."""

from __future__ import annotations

from .blocks import looks_like_blocks, parse_blocks
from .preview import Preview, Problem
from .prose import parse_prose
from .read import PlanImportError, read_rows
from .save import SaveResult, save_preview
from .table import looks_like_table, parse_table

__all__ = ["PlanImportError", "Preview", "Problem", "SaveResult", "parse", "parse_rows", "save_preview"]


def parse(data: bytes, filename: str = "") -> Preview:
    """Raise PlanImportError (a Japanese message) when the file cannot be read at all."""
    return parse_rows(read_rows(data, filename))


def parse_rows(rows) -> Preview:
    if looks_like_blocks(rows):
        return parse_blocks(rows)
    if looks_like_table(rows):
        return parse_table(rows)
    return parse_prose(rows)
