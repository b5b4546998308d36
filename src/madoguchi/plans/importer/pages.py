"""Page furniture that PDF extraction leaves between the lines of the text: page numbers
(「－ １２ －」「- 12 -」「P.12」「12/40」, or bare numbers that run in sequence) and the running
header or footer printed on every page next to them. Dropped before the families read the rows,
so an item whose text runs over a page break is read as one text."""

from __future__ import annotations

import re

from .read import Row

_FW = str.maketrans("０１２３４５６７８９", "0123456789")
_DECORATED = re.compile(r"^(?:[-－―‐—–ー]\s*(\d{1,3})\s*[-－―‐—–ー]|[PpＰ]\.?\s*(\d{1,3})|(\d{1,3})\s*/\s*\d{1,3}|(\d{1,3})\s*ページ)$")
_BARE = re.compile(r"^(\d{1,3})$")


def _single(row: Row) -> str:
    cells = row.nonempty()
    return re.sub(r"[\s\u3000]+", " ", cells[0][1]).strip().translate(_FW) if len(cells) == 1 else ""


def _page_number(text: str) -> int | None:
    m = _DECORATED.match(text)
    if m:
        return int(next(g for g in m.groups() if g))
    return None


def drop_page_furniture(rows: list[Row]) -> tuple[list[Row], int]:
    """The rows without page numbers and running headers/footers, and how many were dropped.
    Bare numbers count as page numbers only when two or more of them (with the decorated ones)
    rise through the document; a running header is a short line printed twice or more, each
    time within two lines of a page number."""
    numbers: dict[int, int] = {}  # row index → page number
    bare: dict[int, int] = {}
    for k, r in enumerate(rows):
        text = _single(r)
        if not text:
            continue
        n = _page_number(text)
        if n is not None:
            numbers[k] = n
        elif (m := _BARE.match(text)) and (r.nonempty()[0][0] == 0):
            bare[k] = int(m.group(1))
    if bare:
        # A bare number is a page number when the page number before or after it in the
        # document is one to three less or more (pages run on; skipped blank pages).
        seq = sorted({**numbers, **bare}.items())
        for idx, (k, n) in enumerate(seq):
            if k not in bare:
                continue
            prev = seq[idx - 1][1] if idx else None
            nxt = seq[idx + 1][1] if idx + 1 < len(seq) else None
            if (prev is not None and 0 < n - prev <= 3) or (nxt is not None and 0 < nxt - n <= 3):
                numbers[k] = n
    if not numbers:
        return rows, 0

    def near(k: int) -> bool:
        # within two non-blank lines of a page number
        seen = 0
        for step in (-1, 1):
            j, seen = k + step, 0
            while 0 <= j < len(rows) and seen < 2:
                if rows[j].nonempty():
                    seen += 1
                    if j in numbers:
                        return True
                j += step
        return False

    texts: dict[str, list[int]] = {}
    for k, r in enumerate(rows):
        text = _single(r)
        if text and k not in numbers and len(text) <= 40 and not text.endswith("。"):
            texts.setdefault(re.sub(r"\s+", "", text), []).append(k)
    running = {k for ks in texts.values() if len(ks) >= 2 for k in ks if near(k)}
    if len([k for ks in texts.values() for k in ks if k in running]) < 2:
        running = set()
    drop = set(numbers) | running
    return [r for k, r in enumerate(rows) if k not in drop], len(drop)
