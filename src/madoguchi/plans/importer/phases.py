"""Normalise a schedule cell as written (「調達・構築」「適用※検証結果次第」) to a phase."""

from __future__ import annotations

import re

from .clean import strip_notes

# keyword → phase code (see models.Phase). Longer keywords win at the same position.
KEYWORDS = {
    "research": ["調査研究", "研究", "調査", "情報収集", "現状把握", "現状分析", "比較分析"],
    "study": ["検討", "協議", "計画策定", "方針決定", "策定", "あり方", "在り方"],
    "prepare": ["準備", "調達", "予算化", "仕様決定", "選定", "契約", "設計"],
    "build": ["構築", "整備", "導入", "開発", "移行", "設置"],
    "trial": ["試行", "実証", "検証", "モデル校", "試験"],
    "operate": ["運用", "実施", "推進", "適用", "稼働", "継続", "実現", "開催", "提供", "対応", "促進", "普及", "開始", "公開"],
    "expand": ["拡充", "拡大", "改善", "充実", "更新", "全校", "展開"],
    "evaluate": ["評価", "効果検証", "見直し", "振り返り"],
    "complete": ["完了", "終了", "廃止"],
}
_LOOKUP = {kw: code for code, kws in KEYWORDS.items() for kw in kws}
_RE = re.compile("|".join(sorted(map(re.escape, _LOOKUP), key=len, reverse=True)))


def normalise_phase(text: str) -> str:
    """The phase the text ends at (cells list phases in the order they happen: 「検討・実施」
    → 運用); notes after ※ are ignored. "" when nothing is recognised."""
    found = []
    for m in _RE.finditer(strip_notes(text or "")):
        # 「試行実施」「検証実施」: 実施 glued to a phase word carries that phase out; only a
        # separate 実施 (「検討・実施」) is a phase of its own.
        if m.group() == "実施" and found and found[-1].end() == m.start():
            continue
        found.append(m)
    return _LOOKUP[found[-1].group()] if found else ""
