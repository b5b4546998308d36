"""The structure editor of the import preview: the inferred tree next to the stored source
lines, and staff's fixes (promote/demote, move, merge, split, ignore a line, rename a level)
stored on the import as decisions and replayed on every re-parse of the stored lines."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render

from madoguchi.core.validation import int_param

from .importer import parse, parse_rows, stored_rows, structure
from .importer.outline import heading_of
from .models import PlanImport

LINES_PER_PAGE = 200
WORKER_BYTES = 512 * 1024  # a larger file is read in the worker after upload
ACCEPT_REST_MAX = 20  # unplaced lines staff may acknowledge in one tick
ONE_WORD_LIMIT = 20


def load_preview(imp: PlanImport):
    """The preview of the stored lines with staff's structure fixes replayed."""
    decisions = imp.decisions or {}
    if imp.lines is None:  # imports made before lines were stored
        pv = parse(bytes(imp.content), imp.filename)
    else:
        ignored = structure.ignored_lines(decisions)
        rows = [r for r in stored_rows(imp.lines) if r.where not in ignored]
        pv = parse_rows(rows)
    pv.notes.extend(structure.apply(pv, structure.ops_of(decisions)))
    return pv


def handle_post(request, imp: PlanImport, pv):
    """A structure fix or an undo: store it and show the preview again. None when the POST is
    something else (the unplaced-line fixes, save, discard)."""
    if "structure_undo" in request.POST:
        ops = structure.ops_of(imp.decisions or {})
        if ops:
            ops.pop()
            imp.decisions = {**(imp.decisions or {}), structure.STRUCTURE: ops}
            imp.save(update_fields=["decisions"])
            messages.info(request, "直前の修正を取り消しました。")
        return redirect(f"{request.path}#structure")
    if "structure_quick" in request.POST:
        # The buttons beside each level of the tree: 「promote|<key>」 or 「demote|<key>」.
        kind, _, key = request.POST.get("structure_quick", "").partition("|")
        if kind not in ("promote", "demote") or not key:
            messages.error(request, "修正の種類を選んでください。")
            return redirect(f"{request.path}#structure")
        return _store(request, imp, pv, {"op": kind, "key": key[:300]}, anchor="tree")
    if "structure_op" not in request.POST:
        return None
    kind = request.POST.get("op", "")
    if kind not in structure.OPS:
        messages.error(request, "修正の種類を選んでください。")
        return redirect(f"{request.path}#structure")
    op = {"op": kind}
    target = request.POST.get("key", "")
    if kind in ("ignore", "line_heading", "line_item", "line_label"):
        op["where"] = request.POST.get("where", "").strip()[:40]
        if kind != "ignore":
            # The line's text goes with the decision, so the replay needs no other lookup.
            line = next((r.cells for r in stored_rows(imp.lines or []) if r.where == op["where"]), None)
            op["text"] = " ".join(c.strip() for c in line or [] if c and c.strip())[:300]
            op["to"] = request.POST.get("to", "")[:300]
            op["key"] = target[:300]
    elif kind == "schedule":
        op["key"] = target[:300]
        op["text"] = request.POST.get("schedule", "").strip()[:300]
        if structure.apply(pv, [op]):
            messages.error(request, "スケジュールを読み取れませんでした。取組を選び、「R8 検討、R9〜R10 運用」のように年度と内容を書いてください。")
            return redirect(f"{request.path}#{request.POST.get('anchor', 'structure')[:40]}")
        return _store(request, imp, pv, op, anchor=request.POST.get("anchor", "structure")[:40], applied=True)
    elif kind == "rename_level":
        depth = int_param(request.POST.get("depth"))  # 0 (the top level) is a valid depth
        op["depth"] = -1 if depth is None else depth
        op["name"] = request.POST.get("name", "").strip()[:40]
    else:
        op["key"] = target[:300]
        if kind == "move":
            op["to"] = request.POST.get("to", "")[:300]
        if kind == "merge":
            op["into"] = request.POST.get("into", "")[:300]
        if kind == "split":
            # Where to cut: a character offset (「8」) or a delimiter from the title (「・」);
            # empty keeps the first 、/及び.
            at = request.POST.get("at", "").strip()[:40]
            if at:
                op["at"] = (int_param(at) or -1) if at.isdigit() else at
    if kind == "ignore" and not op["where"]:
        messages.error(request, "この修正は反映できませんでした。対象と移動先（まとめ先）を選び直してください。")
        return redirect(f"{request.path}#structure")
    return _store(request, imp, pv, op, applied=kind == "ignore")


def _store(request, imp: PlanImport, pv, op: dict, anchor: str = "structure", applied: bool = False):
    """Apply one fix to the preview (unless ``applied``) and store it with the others; back to
    where staff made it (``anchor``: the tree's buttons come back to the tree)."""
    anchor = anchor if anchor in ("structure", "tree") else "structure"
    if not applied and structure.apply(pv, [op]):
        messages.error(request, "この修正は反映できませんでした。対象と移動先（まとめ先）を選び直してください。")
        return redirect(f"{request.path}#{anchor}")
    ops = structure.ops_of(imp.decisions or {}) + [op]
    imp.decisions = {**(imp.decisions or {}), structure.STRUCTURE: ops[-structure.MAX_OPS :]}
    imp.save(update_fields=["decisions"])
    messages.success(request, f"修正を反映しました（{structure.OPS[op['op']]}）。")
    return redirect(f"{request.path}#{anchor}")


def accept_rest_refusal(pv) -> str:
    """Why 「確認しました」 (accept the rest) is not offered, or "" when it is."""
    one_word = structure.one_word_items(pv)
    if one_word > ONE_WORD_LIMIT and one_word * 3 > len(pv.items):
        return (
            f"数字や一語だけの取組が{one_word}件あります。表の読み違いの可能性が高いため、このままでは保存できません。"
            "下の「体系を直す」で行を取り込まない・まとめるなどの修正をしてください。"
        )
    # Lines that could not be placed (not the fields an item lacks, which staff fill in later).
    titles = [it.title for it in pv.items.values() if len(it.title) >= 2]
    unplaced = [p for p in pv.problems if p.text and not any(t in p.text for t in titles)]
    if len(unplaced) > ACCEPT_REST_MAX:
        return f"置き場所が分からない行が{len(unplaced)}件あります（{ACCEPT_REST_MAX}件までなら一括で確認できます）。「対応」を選ぶか、「体系を直す」で修正してください。"
    looks = [p for p in unplaced if heading_of([p.text], 0, "") is not None]
    if looks:
        return (
            f"見出しや取組のように見える行（{looks[0].where}「{looks[0].text[:30]}」など{len(looks)}件）が置けていません。「対応」で置き場所を選んでください。"
        )
    return ""


def editor_context(request, imp: PlanImport, pv, refusal: str) -> dict:
    """The structure editor's part of the preview; ``refusal`` is ``accept_rest_refusal(pv)``."""
    page = None
    if imp.lines is not None:
        page = Paginator(imp.lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
    nodes = [(node.key, f"{'　' * node.depth}{node.number} {node.title}".rstrip()) for node, _ in pv.walk()]
    items = [(it.key, f"{it.number} {it.title}".strip()) for it in pv.items.values()]
    return {
        "lines_page": page,
        "structure_ops": list(structure.OPS.items()),
        "structure_done": structure.ops_of(imp.decisions or {}),
        "structure_nodes": nodes,
        "structure_items": items,
        "level_choices": list(enumerate(pv.level_names)),
        "accept_rest_refusal": refusal,
    }


def is_progress_poll(request) -> bool:
    """The extraction page's htmx poll (which may arrive just after the extraction ended)."""
    return request.method == "GET" and request.headers.get("HX-Request") == "true" and "progress" in request.GET


def extraction_page(request, imp: PlanImport):
    """While the worker reads a large file: the share done (stored on the import by the worker),
    polled by htmx every two seconds (a meta refresh without JavaScript)."""
    pending = imp.extraction == PlanImport.Extraction.PENDING
    if is_progress_poll(request):
        if not pending:  # done or failed: the whole page again (the preview or the reason)
            response = HttpResponse(status=200)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "plans/_import_progress.html", {"imp": imp})
    size_kb = len(imp.content or b"") // 1024
    return render(request, "plans/import_extracting.html", {"imp": imp, "size_kb": size_kb}, status=200 if pending else 422)
