"""Staff decisions on what an import could not place. Each problem gets a stable id (from its
source line, text and reason), so the decisions stored on the PlanImport row apply again to
the preview that is re-parsed on every request (no in-memory state between requests)."""

from __future__ import annotations

import hashlib

from .preview import PItem, PPlacement, Preview, Problem

ACCEPT = "accept"
ITEM_PREFIX = "item:"  # "item:<node key>": add the line as an item under that node


def problem_id(problem: Problem) -> str:
    raw = f"{problem.where}\x1f{problem.text}\x1f{problem.reason}"
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:12]


def node_choices(pv: Preview) -> list[tuple[str, str]]:
    return [(node.key, f"{'　' * node.depth}{node.number} {node.title}".rstrip()) for node, _ in pv.walk()]


def apply(pv: Preview, decisions: dict[str, str]) -> list[tuple[Problem, str, str]]:
    """Apply stored decisions to a freshly parsed preview. Returns (problem, id, decision) for
    every problem; decided problems leave ``pv.problems`` (what still needs a decision) and are
    recorded in ``pv.notes`` so the saved plan keeps a trace."""
    nodes = {node.key: node for node, _ in pv.walk()}
    rows = []
    remaining = []
    for problem in pv.problems:
        pid = problem_id(problem)
        decision = decisions.get(pid, "")
        if decision.startswith(ITEM_PREFIX) and problem.text and decision[len(ITEM_PREFIX) :] in nodes:
            node = nodes[decision[len(ITEM_PREFIX) :]]
            key = f"fix:{pid}"
            if key not in pv.items:
                pv.items[key] = PItem(key=key, number="", title=problem.text[:300], where=problem.where)
                node.placements.append(PPlacement(item_key=key, number="", where=problem.where))
            pv.notes.append(f"{problem.where}: 「{problem.text[:60]}」を「{node.number} {node.title}」の取組として追加しました（職員が指定）。")
        elif decision == ACCEPT:
            pv.notes.append(f"{problem.where}: {problem.reason}（職員が確認のうえ、このまま取り込み）")
        else:
            decision = ""
            remaining.append(problem)
        rows.append((problem, pid, decision))
    pv.problems = remaining
    return rows
