"""Pieces shared by the three document families."""

from __future__ import annotations

import re

from .clean import clean
from .phases import normalise_phase
from .preview import PIndicator, PScheduleEntry

# Words that mean "every section" rather than naming one (kept in the raw text, not as a 課).
COLLECTIVE_SECTIONS = {"各課", "全課", "関係課", "全庁", "各部署", "関係部署", "各部", "全部署", "各所管課", "所管課", "関係各課", "各部局", "全職員"}


_SECTION_DOT = re.compile(r"(?:(?<=[課室局部係所館園署])|(?<=センター))[・･](?=\S)")


def split_sections(text: str) -> tuple[list[str], bool]:
    """「各課、情報政策課」 → (["情報政策課"], True)."""
    names: list[str] = []
    collective = False
    # 「税務課・会計課」: a ・ right after a section's name separates two sections (「企画・財政課」
    # is one name).
    text = _SECTION_DOT.sub("、", clean(text))
    for part in re.split(r"[、,，/／\n]|\s+", text):
        name = part.strip(" 　・()（）")
        if not name:
            continue
        if name in COLLECTIVE_SECTIONS:
            collective = True
            continue
        if name not in names:
            names.append(name[:100])
    return names, collective


_RELIST = re.compile(r"[【\[［]\s*(?:(?P<ref>[^】\]］]*?)の)?再掲\s*[】\]］]|[（(]\s*再掲\s*[)）]|※\s*再掲")


def relisting(title: str) -> tuple[str, str | None]:
    """「…の検討（再掲）」→ ("…の検討", ""); 「【人材育成(1)①の再掲】 …」→ ("…", "人材育成(1)①");
    a title without a marker → (title, None)."""
    m = _RELIST.search(title)
    if not m:
        return title, None
    rest = (title[: m.start()] + " " + title[m.end() :]).strip()
    return re.sub(r"\s+", " ", rest), (m.group("ref") or "").strip()


def schedule_from_cells(cells: list[tuple[int, str]], track: str = "", track_order: int = 0) -> list[PScheduleEntry]:
    """(fiscal_year, text) in year order → entries; an empty cell after an entry means the entry
    continues (the arrow in the original chart)."""
    entries: list[PScheduleEntry] = []
    for idx, (year, text) in enumerate(cells):
        text = clean(text)
        if not text or text in ("→", "⇒", "―", "－", "-", "…"):
            continue
        nxt = cells[idx + 1][1] if idx + 1 < len(cells) else ""
        phase = normalise_phase(text)
        continues = (not clean(nxt) or clean(nxt) in ("→", "⇒", "―", "－", "-", "…")) and phase != "complete"
        entries.append(PScheduleEntry(year, text[:300], phase, continues, track[:200], track_order))
    return entries


_KIND_MARK = re.compile(r"[《〈<【\[［]\s*(活動指標|成果指標|アウトプット指標|アウトカム指標)\s*[》〉>】\]］]")


def parse_indicators(text: str) -> list[PIndicator]:
    """「《活動指標》 ・A ・B 《成果指標》 ・C」 → indicators; 「—」 means none."""
    text = clean(text, multiline=True)
    parts = _KIND_MARK.split(text)
    result: list[PIndicator] = []
    current = "activity"
    chunks: list[tuple[str, str]] = []
    if len(parts) == 1:
        chunks = [(current, text)]
    else:
        for i in range(1, len(parts), 2):
            kind = "outcome" if parts[i] in ("成果指標", "アウトカム指標") else "activity"
            chunks.append((kind, parts[i + 1]))
    for kind, chunk in chunks:
        chunk = chunk.strip()
        if not chunk or re.fullmatch(r"[—\-－―ー‐なし無し]+", chunk):
            continue
        if re.search(r"(^|\s)[・●○■◆]", chunk):
            pieces = re.split(r"(?:^|\s)[・●○■◆]\s*", chunk)
        else:
            pieces = re.split(r"\s+|\n", chunk)
        for piece in pieces:
            name = piece.strip(" 　\n")
            if len(name) < 2 or re.fullmatch(r"[—\-－―ー‐]+", name):
                continue
            result.append(PIndicator(kind, name[:300], _unit(name)))
    return result


def _unit(name: str) -> str:
    if re.search(r"割合|率", name):
        return "%"
    m = re.search(r"(件数|回数|人数|者数|数)$", name)
    if m:
        return {"件数": "件", "回数": "回", "人数": "人", "者数": "人"}.get(m.group(1), "")
    return ""
