"""What an import found, as counts staff and the corpus test can read: nodes per level, items,
sections, schedules, unplaced lines; and a score against a hand-written expected tree."""

from __future__ import annotations

from collections import Counter

from .preview import Preview


def summary(pv: Preview) -> dict:
    per_depth = Counter(node.depth for node, _ in pv.walk())
    levels = []
    for depth in sorted(per_depth):
        name = pv.level_names[depth] if depth < len(pv.level_names) else f"{depth + 1}階層目"
        levels.append((name, per_depth[depth]))
    item_name = pv.level_names[len(per_depth)] if len(pv.level_names) > len(per_depth) else "取組"
    levels.append((item_name, len(pv.items)))
    return {
        "family": pv.family,
        "partial": pv.partial,
        "title": pv.title,
        "period": (pv.start_year, pv.end_year),
        "levels": levels,
        "items_with_sections": sum(1 for it in pv.items.values() if it.sections or it.all_sections),
        "items_with_schedule": sum(1 for it in pv.items.values() if it.schedule),
        "schedule_entries": sum(len(it.schedule) for it in pv.items.values()),
        "problems": [(p.where, p.reason, p.text) for p in pv.problems],
        "policies": [f"{p['word']}{p['number']} {p['title']}" for p in pv.policies],
        "tables": [f"{t['where']} {t['header']}" for t in pv.tables],
        "evaluation_rows": len(pv.evaluation.get("rows", [])),
    }


def format_summary(s: dict) -> str:
    lines = [
        f"計画名: {s['title']}",
        f"形式: {s['family']}　計画期間: {s['period'][0] or '?'}〜{s['period'][1] or '?'}年度",
        "階層: " + " → ".join(f"{name} {count}" for name, count in s["levels"]),
        f"担当課のある取組: {s['items_with_sections']}　スケジュールのある取組: {s['items_with_schedule']}（{s['schedule_entries']}件）",
    ]
    if s.get("partial"):
        lines.append("仮の体系: 担当課・スケジュールなどの項目を持つ見出しがないため、番号の付いた見出しだけから作りました（構成エディタで確かめてください）")
    if s["policies"]:
        lines.append("体系の外の分類: " + "、".join(s["policies"]))
    if s["evaluation_rows"]:
        lines.append(f"前計画の評価: {s['evaluation_rows']}行")
    if s["tables"]:
        lines.append(f"取り込まなかった表: {len(s['tables'])}件")
    lines.append(f"確認が必要な行: {len(s['problems'])}件")
    lines += [f"  {where}: {reason} {text}".rstrip() for where, reason, text in s["problems"][:50]]
    return "\n".join(lines)


def _paths(pv: Preview) -> dict[tuple[str, ...], object]:
    paths: dict[int, tuple[str, ...]] = {}
    out = {}
    for node, parent in pv.walk():
        path = (paths[id(parent)] if parent is not None else ()) + (node.title,)
        paths[id(node)] = path
        out[path] = node
    return out


def score(pv: Preview, expected: dict) -> dict[str, float]:
    """Shares (0–1) of the expected nodes, items (title under the right parent), sections and
    schedule entries (year and phase) that the preview has."""
    nodes = _paths(pv)
    found_nodes = sum(1 for path in expected["nodes"] if tuple(path) in nodes)
    placed: dict[tuple, object] = {}
    for path, node in nodes.items():
        for p in node.placements:
            item = pv.items.get(p.item_key)
            if item is not None:
                placed[(path, item.title)] = item
    found_items = sections = entries = total_entries = 0
    for exp in expected["items"]:
        item = placed.get((tuple(exp["path"]), exp["title"]))
        total_entries += len(exp.get("schedule", []))
        if item is None:
            continue
        found_items += 1
        if sorted(item.sections) == sorted(exp.get("sections", [])):
            sections += 1
        got = {(e.fiscal_year, e.phase) for e in item.schedule}
        entries += sum(1 for year, phase in exp.get("schedule", []) if (year, phase) in got)
    n_items = len(expected["items"]) or 1
    return {
        "nodes": found_nodes / (len(expected["nodes"]) or 1),
        "items": found_items / n_items,
        "sections": sections / n_items,
        "schedules": entries / total_entries if total_entries else 1.0,
    }


def expected_from(pv: Preview) -> dict:
    """The preview written out in the expected-tree format (a starting point for a hand check)."""
    nodes = _paths(pv)
    items = []
    for path, node in nodes.items():
        for p in node.placements:
            item = pv.items.get(p.item_key)
            if item is not None and not p.is_relisting:
                items.append(
                    {"path": list(path), "title": item.title, "sections": item.sections, "schedule": [[e.fiscal_year, e.phase] for e in item.schedule]}
                )
    return {"nodes": [list(p) for p in nodes], "items": items}
