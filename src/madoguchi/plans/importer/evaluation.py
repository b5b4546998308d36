"""The previous plan's evaluation table (前計画の評価/検証): one row per measure with its 実施状況,
達成状況 or 進捗評価, 今後の方向性 and 引継ぎ. The scales are the values the document uses, in the
order of their strength (read from the words, so a new scale word still sorts sensibly)."""

from __future__ import annotations

import re

from .clean import clean
from .read import Row

ROLES = [
    ("number", re.compile(r"^(番号|No\.?|NO\.?|№|項番|通番)$")),
    ("ref", re.compile(r"本計画の取組|取組番号|対応する取組|新計画")),
    ("handover", re.compile(r"引継|引き継")),
    ("rating", re.compile(r"達成状況|進捗評価|達成度|評価")),
    ("direction", re.compile(r"方向性|今後の方針|今後の対応")),
    ("status", re.compile(r"実施状況|取組状況|実績")),
    ("lead", re.compile(r"主管課|担当課|所管課|担当部署")),
    ("related", re.compile(r"関係課|関連課")),
    ("field", re.compile(r"^分野$|^区分$")),
    ("measure", re.compile(r"施策名|取組名|事業名|項目名|名称|施策|取組|事業")),
]


def _role(cell: str) -> str | None:
    t = re.sub(r"\s+", "", clean(cell))
    if not t or len(t) > 20:
        return None
    for role, pattern in ROLES:
        if pattern.search(t):
            return role
    return None


def _header(row: Row) -> dict[str, int] | None:
    cols: dict[str, int] = {}
    for col, cell in enumerate(row.cells):
        role = _role(cell)
        if role and role not in cols:
            cols[role] = col
    if "measure" in cols and "rating" in cols and ("direction" in cols or "handover" in cols):
        return cols
    return None


def _strength(label: str) -> tuple[int, str]:
    """Strongest first: 達成 / ◎ before 概ね before 一部 before 未達成 / ×."""
    order = [r"^◎", r"^○|^〇", r"^△", r"^×|^✕", r"^達成$|^完了", r"概ね|おおむね|ほぼ", r"一部|遅れ|やや", r"未|できなかった|中止"]
    for rank, pattern in enumerate(order):
        if re.search(pattern, label):
            return rank, label
    return len(order), label


def find_evaluation(rows: list[Row]) -> dict:
    """{"where", "columns", "rows": [{number, field, measure, lead, related, status, rating,
    direction, handover, ref, where}], "rating_scale", "direction_scale"[, "rating_meanings"]} or {}."""
    result_rows: list[dict] = []
    where = ""
    cols: dict[str, int] | None = None
    labels: dict[str, str] = {}
    header_at = 0
    header_rows: list[str] = []
    i = 0
    while i < len(rows):
        r = rows[i]
        header = _header(r)
        if header is not None:
            header_rows.append(r.where)  # a header repeated on the next page is this table's too
            if cols is None:
                cols = header
                where = r.where
                header_at = i
                labels = {role: clean(r.cells[c]) for role, c in header.items()}
            i += 1
            continue
        if cols is None:
            i += 1
            continue
        filled = [c for c in r.cells if clean(c)]
        if not filled:
            i += 1
            continue
        if not re.fullmatch(r"\s*\d{1,3}\s*", r.cells[0] if r.cells else ""):
            if result_rows:
                break  # the table ended
            cols = None
            i += 1
            continue
        result_rows.append({"cells": [clean(c) for c in r.cells], "where": r.where})
        i += 1
    if cols is None or len(result_rows) < 2:
        return {}
    rated = [row["cells"][cols["rating"]] for row in result_rows if cols["rating"] < len(row["cells"])]
    common = {v for v in rated if v and rated.count(v) >= 2}
    out = []
    for row in result_rows:
        cells = row["cells"]
        # A row that lost an empty cell after its number (分野 merged above): shift it back.
        rc = cols["rating"]
        if rc < len(cells) and cells[rc] not in common and rc - 1 >= 0 and cells[rc - 1] in common:
            cells = cells[:1] + [""] + cells[1:]

        def get(role: str, cells=cells) -> str:
            c = cols.get(role)
            v = cells[c] if c is not None and c < len(cells) else ""
            return "" if re.fullmatch(r"[—\-－―ー‐]+", v) else v

        out.append({role: get(role) for role, _ in ROLES} | {"where": row["where"]})
    ratings = sorted({r["rating"] for r in out if r["rating"]}, key=_strength)
    # The legend printed with the table gives the whole scale in its own order, with grades no
    # row uses (「◎：達成 ○：概ね達成 △：一部達成 ×：未達成」, 「（達成／概ね達成／…／未達成）」).
    meanings: dict[str, str] = {}
    nearby = rows[max(0, header_at - 4) : header_at] + rows[i : i + 3]
    for scale, means in (_legend(clean(" ".join(r.cells))) for r in nearby):
        if ratings and set(ratings) <= set(scale):
            ratings, meanings = scale, means
            break
    directions = []
    for r in out:
        if r["direction"] and r["direction"] not in directions:
            directions.append(r["direction"])
    result = {"where": where, "columns": labels, "rows": out, "rating_scale": ratings, "direction_scale": directions, "header_rows": header_rows}
    if meanings:
        result["rating_meanings"] = meanings
    return result


_PAIR = re.compile(r"(?P<k>[◎○〇△×✕●▲■□]|[A-EＡ-Ｅ](?![A-Za-z]))\s*[：:＝=]\s*(?P<v>[^\s◎○〇△×✕●▲■□：:、，,／/（）()]+)")
_LIST = re.compile(r"[（(](?P<l>[^（）()]+)[）)]")


def _legend(text: str) -> tuple[list[str], dict[str, str]]:
    """A scale legend in one line: symbol/letter ：meaning pairs, or a bracketed list of grades
    separated by ／ ・ 、. ([], {}) when the line has none."""
    pairs = [(m.group("k"), m.group("v")) for m in _PAIR.finditer(text)]
    if len(pairs) >= 2:
        return [k for k, _ in pairs], dict(pairs)
    for m in _LIST.finditer(text):
        parts = [p.strip() for p in re.split(r"[／/・、，,]", m.group("l")) if p.strip()]
        if len(parts) >= 3 and all(len(p) <= 12 for p in parts):
            return parts, {}
    return [], {}
