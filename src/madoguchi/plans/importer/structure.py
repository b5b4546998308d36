"""Staff's fixes to the inferred structure, stored as decisions on the import and replayed on
every re-parse of the stored lines (as the fixes of unplaced lines are). Nodes and items are
named by their keys, which come from the document's numbering, so a fix still applies after the
importer changes how it reads other parts of the document; a fix whose target is gone is
reported, not applied.

Operations: promote / demote a node; move a node or an item under another node; merge two
items; split an item's title in two (at the 、 or where staff cut it); mark a line as a heading,
an item, or a field of an item (its label word, e.g. 「担当課 市民課」, chooses the field); ignore a
line; rename a level."""

from __future__ import annotations

import re

from .numbering import split_number
from .preview import PItem, PNode, PPlacement, Preview

STRUCTURE = "_structure"  # the key of the list of operations inside PlanImport.decisions
OPS = {
    "promote": "一つ上の階層に上げる",
    "demote": "一つ下の階層に下げる（直前の項目の下へ）",
    "move": "別の項目の下へ移す",
    "merge": "別の取組にまとめる",
    "split": "取組名を二つに分ける（分ける位置を指定できます）",
    "ignore": "この行を取り込まない",
    "line_heading": "この行を見出し（階層）にする（移動先の下へ）",
    "line_item": "この行を取組にする（移動先の下へ）",
    "line_label": "この行を対象の取組の項目（内容）にする",
    "rename_level": "階層の名前を変える",
    "schedule": "取組のスケジュールを書き直す",
}
MAX_OPS = 500


def ops_of(decisions: dict) -> list[dict]:
    ops = decisions.get(STRUCTURE) if isinstance(decisions, dict) else None
    return [op for op in ops if isinstance(op, dict)] if isinstance(ops, list) else []


def ignored_lines(decisions: dict) -> set[str]:
    """Lines (「213行目」) staff marked as not part of the plan: dropped before parsing."""
    return {op.get("where", "") for op in ops_of(decisions) if op.get("op") == "ignore"}


def _index(pv: Preview) -> tuple[dict[str, PNode], dict[str, PNode | None]]:
    nodes: dict[str, PNode] = {}
    parents: dict[str, PNode | None] = {}
    for node, parent in pv.walk():
        nodes[node.key] = node
        parents[node.key] = parent
    return nodes, parents


def _siblings(pv: Preview, parent: PNode | None) -> list[PNode]:
    return parent.children if parent is not None else pv.roots


def _set_depth(node: PNode, depth: int) -> None:
    node.depth = depth
    for child in node.children:
        _set_depth(child, depth + 1)


def _holder(pv: Preview, item_key: str) -> tuple[PNode, PPlacement] | None:
    for node, _ in pv.walk():
        for p in node.placements:
            if p.item_key == item_key and not p.is_relisting:
                return node, p
    return None


def apply(pv: Preview, ops: list[dict]) -> list[str]:
    """Replay the operations in order. Returns a message per operation that could not apply."""
    failed: list[str] = []
    for op in ops[:MAX_OPS]:
        if not _apply_one(pv, op):
            failed.append(
                f"{OPS.get(op.get('op', ''), op.get('op', ''))}: 「{op.get('key') or op.get('where') or ''}」が見つからないため、この修正は反映していません。"
            )
    return failed


def _apply_one(pv: Preview, op: dict) -> bool:
    kind = op.get("op")
    key = str(op.get("key", ""))
    nodes, parents = _index(pv)
    if kind == "rename_level":
        depth = op.get("depth")
        name = str(op.get("name", "")).strip()[:40]
        if not isinstance(depth, int) or not 0 <= depth < len(pv.level_names) or not name:
            return False
        pv.level_names[depth] = name
        return True
    if kind == "ignore":
        return True  # applied to the lines before parsing
    if kind in ("line_heading", "line_item", "line_label"):
        return _line(pv, op, nodes)
    if kind == "schedule":
        return _schedule(pv, op)
    if kind in ("promote", "demote", "move") and key in nodes:
        node, parent = nodes[key], parents[key]
        siblings = _siblings(pv, parent)
        if kind == "promote":
            if parent is None:
                return False
            grand = parents[parent.key]
            siblings.remove(node)
            outer = _siblings(pv, grand)
            outer.insert(outer.index(parent) + 1, node)
            _set_depth(node, parent.depth)
            return True
        if kind == "demote":
            i = siblings.index(node)
            if i == 0:
                return False
            new_parent = siblings[i - 1]
        else:
            new_parent = nodes.get(str(op.get("to", "")))
            if new_parent is None or new_parent is node or _inside(new_parent, node):
                return False
        siblings.remove(node)
        new_parent.children.append(node)
        _set_depth(node, new_parent.depth + 1)
        return True
    if key not in pv.items:
        return False
    held = _holder(pv, key)
    if kind == "move":
        target = nodes.get(str(op.get("to", "")))
        if target is None or held is None:
            return False
        held[0].placements.remove(held[1])
        target.placements.append(held[1])
        return True
    if kind == "merge":
        into = pv.items.get(str(op.get("into", "")))
        if into is None or into.key == key:
            return False
        item = pv.items.pop(key)
        into.description = "\n".join(x for x in (into.description, item.title, item.description) if x)
        into.schedule.extend(e for e in item.schedule if (e.track, e.fiscal_year) not in {(x.track, x.fiscal_year) for x in into.schedule})
        for s in item.sections:
            if s not in into.sections:
                into.sections.append(s)
        for node, _ in pv.walk():
            node.placements = [p for p in node.placements if p.item_key != key]
        return True
    if kind == "split":
        item = pv.items[key]
        parts = split_title(item.title, op.get("at"))
        if parts is None or held is None:
            return False
        new_key = f"{key}:2"
        if new_key in pv.items:
            return False
        item.title = parts[0]
        second = PItem(key=new_key, number="", title=parts[1], where=item.where, sections=list(item.sections), sections_text=item.sections_text)
        pv.items[new_key] = second
        node, placement = held
        node.placements.insert(node.placements.index(placement) + 1, PPlacement(new_key, "", placement.where))
        return True
    return False


def split_title(title: str, at=None) -> tuple[str, str] | None:
    """Where staff cut an item's title: ``at`` a character offset (an int: the second title
    starts there), a delimiter they chose from the text (a str: cut at its first occurrence,
    the delimiter dropped), or None for the first 、/及び. None when a part would be empty."""
    if isinstance(at, int) and not isinstance(at, bool):
        parts = [title[:at], title[at:]] if 0 < at < len(title) else []
    elif isinstance(at, str) and at:
        parts = title.split(at, 1) if at in title else []
    else:
        parts = re.split(r"[、,，]|及び|および", title, maxsplit=1)
    parts = [p.strip(" 　、,，・") for p in parts]
    return (parts[0], parts[1]) if len(parts) == 2 and all(parts) else None


def _line(pv: Preview, op: dict, nodes: dict[str, PNode]) -> bool:
    """A source line staff marked as a heading, an item or an item's field. The line's text is
    stored with the decision; the line leaves the unplaced lines."""
    where = str(op.get("where", ""))
    text = str(op.get("text", "")).strip()
    if not where or not text:
        return False
    kind = op["op"]
    number, title = split_number(text)
    title = (title or text)[:300]
    if kind == "line_label":
        item = pv.items.get(str(op.get("key", "")))
        if item is None:
            return False
        _label_into(item, text)
    else:
        parent = nodes.get(str(op.get("to", "")))
        if kind == "line_item":
            if parent is None:
                return False
            key = f"line:{where}"
            if key in pv.items:
                return False
            pv.items[key] = PItem(key=key, number=number, title=title, where=where)
            parent.placements.append(PPlacement(key, number, where))
        else:
            key = f"{parent.key}/{number or where}" if parent else (number or where)
            if key in nodes:
                return False
            node = PNode(key=key, number=number, title=title, depth=parent.depth + 1 if parent else 0, where=where)
            (parent.children if parent else pv.roots).append(node)
    pv.problems = [p for p in pv.problems if p.where != where]
    return True


def _schedule(pv: Preview, op: dict) -> bool:
    """A misread schedule written again by staff as one line (「R8 検討、R9〜R10 運用」, any year
    form the importer reads inline): it replaces the item's schedule."""
    from .schedules import read_inline

    item = pv.items.get(str(op.get("key", "")))
    entries = read_inline(str(op.get("text", ""))[:300], pv.end_year) if item is not None else []
    if not entries:
        return False
    item.schedule = entries
    pv.problems = [p for p in pv.problems if not (p.reason.startswith("スケジュール") and p.text.endswith(item.title))]
    return True


def _label_into(item: PItem, text: str) -> None:
    """A line staff marked as a field of an item: read with the importer's label words
    (「担当課 市民課」「【スケジュール】令和7年度 検討 …」「目指す姿：…」) into that field; a line
    without a label, or one whose value cannot be read, is added to the item's 内容 as before."""
    from .common import parse_indicators, split_sections
    from .outline import inline_label
    from .schedules import read_inline

    found = inline_label(text)
    field, value = found if found else ("description", text)
    if field in ("sections", "related"):
        names, collective = split_sections(value)
        item.sections += [n for n in names if n not in item.sections]
        item.all_sections = item.all_sections or collective
        item.sections_text = "、".join(x for x in (item.sections_text, value) if x)[:500]
        return
    if field == "schedule" and (entries := read_inline(value)):
        item.schedule += [e for e in entries if e.fiscal_year not in {x.fiscal_year for x in item.schedule}]
        return
    if field == "indicators" and (indicators := parse_indicators(value)):
        item.indicators += indicators
        return
    if field in ("goal", "current_state", "issues", "process"):
        setattr(item, field, "\n".join(x for x in (getattr(item, field), value) if x))
        return
    item.description = "\n".join(x for x in (item.description, text) if x)


def _inside(node: PNode, ancestor: PNode) -> bool:
    stack = list(ancestor.children)
    while stack:
        n = stack.pop()
        if n is node:
            return True
        stack.extend(n.children)
    return False


def one_word_items(pv: Preview) -> int:
    """Items whose title is a bare number, year, arrow or a word of three characters or fewer:
    what a misread table produces (「38」「⇒」「平成30年度」)."""
    return sum(1 for it in pv.items.values() if len(re.sub(r"\s", "", it.title)) <= 3 or re.fullmatch(r"[\d\s.,%()（）⇒→━―－\-年度令和平成RH]+", it.title))
