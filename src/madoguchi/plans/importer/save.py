"""Save a preview. Keys (plan title + node numbers + item numbers) make a re-import update the
same rows instead of adding new ones."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from madoguchi.core.models import Municipality, Section

from .preview import Preview


@dataclass
class SaveResult:
    plan: object
    created: bool
    nodes: int
    items: int
    placements: int
    sections_created: list[str]
    evaluation_rows: int = 0


@transaction.atomic
def save_preview(
    pv: Preview,
    municipality: Municipality,
    *,
    title: str | None = None,
    source_name: str = "",
    is_example: bool = False,
    overrides: dict | None = None,
    target=None,
) -> SaveResult:
    """``target``: an existing plan of the municipality to update (a revised document, e.g. the
    adopted version of a （案）); it takes the new title unless another plan already has it."""
    from ..models import Indicator, Item, ItemSection, Node, Placement, Plan, ScheduleEntry

    overrides = overrides or {}
    title = (title or pv.title)[:200]
    if target is not None:
        plan, created = Plan.objects.select_for_update().get(pk=target.pk, municipality=municipality), False
        if not Plan.objects.filter(municipality=municipality, title=title).exclude(pk=plan.pk).exists():
            plan.title = title
    else:
        plan, created = Plan.objects.select_for_update().get_or_create(
            municipality=municipality,
            title=title,
            defaults=dict(kind=pv.kind or Plan.Kind.OTHER, status=pv.status or Plan.Status.ADOPTED),
        )
    plan.kind = overrides.get("kind") or pv.kind or plan.kind
    plan.status = overrides.get("status") or pv.status or plan.status
    plan.start_year = overrides.get("start_year") or pv.start_year or plan.start_year
    plan.end_year = overrides.get("end_year") or pv.end_year or plan.end_year
    plan.level_names = pv.level_names
    plan.source_name = source_name[:200]
    plan.is_example = is_example
    plan.source_note = "\n".join([f"{p.where}: {p.reason} {p.text}".strip() for p in pv.problems] + pv.notes)
    plan.classifications = [{k: p.get(k, "") for k in ("word", "number", "title", "text")} | {"nodes": list(p.get("nodes", []))} for p in pv.policies]
    plan.save()

    sections_created: list[str] = []

    def section(name: str) -> Section:
        obj = Section.objects.filter(municipality=municipality, name=name).first()
        if obj is None:
            obj = Section.objects.create(municipality=municipality, name=name, kind=Section.Kind.SECTION)
            sections_created.append(name)
        return obj

    item_rows: dict[str, Item] = {}
    for order, (key, pi) in enumerate(pv.items.items()):
        item, _ = Item.objects.update_or_create(
            plan=plan,
            key=key[:300],
            defaults=dict(
                number=pi.number[:40],
                title=pi.title[:300],
                description=pi.description,
                goal=pi.goal,
                current_state=pi.current_state,
                issues=pi.issues,
                process=pi.process,
                sections_text=pi.sections_text[:500],
                all_sections=pi.all_sections,
                order=order,
            ),
        )
        item_rows[key] = item
        item.section_links.all().delete()
        for idx, name in enumerate(pi.sections):
            ItemSection.objects.create(item=item, section=section(name), is_lead=(idx == 0), order=idx)
        # The schedule is the document's: replace it.
        item.schedule.all().delete()
        ScheduleEntry.objects.bulk_create(
            [
                ScheduleEntry(
                    municipality_id=item.municipality_id,  # bulk_create does not call save()
                    item=item,
                    track=e.track,
                    track_order=e.track_order,
                    fiscal_year=e.fiscal_year,
                    phase_text=e.phase_text,
                    phase=e.phase,
                    continues=e.continues,
                )
                for e in _dedupe(pi.schedule)
            ]
        )
        # Indicators may already carry actuals and bindings: add new ones, keep the rest.
        existing = {(i.kind, i.name) for i in item.indicators.all()}
        for idx, ind in enumerate(pi.indicators):
            if (ind.kind, ind.name) not in existing:
                Indicator.objects.create(
                    item=item,
                    kind=ind.kind,
                    name=ind.name,
                    unit=ind.unit,
                    order=idx,
                    baseline=ind.baseline,
                    baseline_year=ind.baseline_year,
                    target=ind.target,
                    target_year=ind.target_year,
                )
                existing.add((ind.kind, ind.name))

    placements = 0
    order = 0
    seen_nodes = set()
    for pnode, parent in pv.walk():
        order += 1
        parent_row = Node.objects.get(plan=plan, key=parent.key[:300]) if parent else None
        node, _ = Node.objects.update_or_create(
            plan=plan,
            key=pnode.key[:300],
            defaults=dict(
                parent=parent_row,
                depth=pnode.depth,
                number=pnode.number[:40],
                title=pnode.title[:300],
                description=pnode.description,
                goal=pnode.goal,
                current_state=pnode.current_state,
                order=order,
            ),
        )
        seen_nodes.add(node.pk)
        for idx, pp in enumerate(pnode.placements):
            item = item_rows.get(pp.item_key)
            if item is None:
                continue
            Placement.objects.update_or_create(
                item=item, node=node, defaults=dict(number=pp.number[:40], is_relisting=pp.is_relisting, printed=pp.printed, order=idx)
            )
            placements += 1
    evaluated = save_evaluation(plan, pv.evaluation, municipality) if pv.evaluation.get("rows") else 0
    return SaveResult(plan, created, len(seen_nodes), len(item_rows), placements, sections_created, evaluated)


def save_evaluation(plan, evaluation: dict, municipality: Municipality) -> int:
    """The previous plan's evaluation table: create or match the 前計画 (the plan's predecessor),
    one item per measure, each row its accepted report for the previous plan's last year with
    the rating and direction on the scales the document uses. Returns the rows saved."""
    from ..models import Item, Plan, ProgressReport

    prev = plan.predecessor
    if prev is None:
        prev, _ = Plan.objects.get_or_create(
            municipality=municipality,
            title=f"前計画（{plan.title}）"[:200],
            defaults=dict(kind=plan.kind, status=Plan.Status.ADOPTED, is_public=plan.is_public, is_example=plan.is_example),
        )
        plan.predecessor = prev
        plan.save(update_fields=["predecessor"])
    ratings = {label: f"r{i + 1}" for i, label in enumerate(evaluation.get("rating_scale", []))}
    directions = {label: f"d{i + 1}" for i, label in enumerate(evaluation.get("direction_scale", []))}
    # 「◎」 with its legend's meaning is shown as 「◎（達成）」; rows still match the mark as printed.
    meanings = evaluation.get("rating_meanings", {})
    prev.rating_scale = [
        {"code": code, "label": f"{label}（{meanings[label]}）" if label in meanings else label} for label, code in ratings.items()
    ] or prev.rating_scale
    prev.direction_scale = [{"code": code, "label": label} for label, code in directions.items()] or prev.direction_scale
    if not prev.end_year and plan.start_year:
        prev.end_year = plan.start_year - 1
    prev.save()
    year = prev.end_year
    if not year:
        return 0
    columns = evaluation.get("columns", {})
    existing = {it.title: it for it in prev.items.all()}
    for order, row in enumerate(evaluation["rows"]):
        measure = row["measure"] or f"No.{row['number']}"
        item = existing.get(measure)
        if item is None:
            item, _ = Item.objects.update_or_create(
                plan=prev,
                key=f"eval:{row['number'] or order}"[:300],
                defaults=dict(
                    number=row["number"][:40], title=measure[:300], sections_text="、".join(x for x in (row["lead"], row["related"]) if x)[:500], order=order
                ),
            )
        handover = [
            f"{columns.get('handover', '引継ぎ')}: {row['handover']}" if row["handover"] else "",
            f"{columns.get('ref', '本計画の取組')}: {row['ref']}" if row["ref"] else "",
        ]
        ProgressReport.objects.update_or_create(
            item=item,
            fiscal_year=year,
            defaults=dict(
                status=ProgressReport.Status.ACCEPTED,
                rating=ratings.get(row["rating"], ""),
                direction=directions.get(row["direction"], ""),
                done=row["status"],
                handover="\n".join(x for x in handover if x),
                review_comment=f"計画書の評価表（{evaluation.get('where', '')}）から取り込み",
            ),
        )
    _link_successors(plan, evaluation["rows"], prev)
    return len(evaluation["rows"])


def _bigrams(text: str) -> set[str]:
    t = "".join(text.split())
    return {t[i : i + 2] for i in range(len(t) - 1)}


def _link_successors(plan, rows: list[dict], prev) -> None:
    """A row's 「本計画の取組」 (Ⅱ-1-(2)) names a node of this plan: each item under that node
    without a 前計画の取組 gets the referring row's measure whose title is most alike."""
    from ..models import Item, Node
    from .outline import _FW, _normal_marker

    measures = {it.key: it for it in Item.objects.filter(plan=prev)}
    by_node: dict[int, list] = {}
    nodes = {n.key: n for n in Node.objects.filter(plan=plan)}
    for order, row in enumerate(rows):
        ref = _normal_marker(row.get("ref", "").translate(_FW))
        node = nodes.get(ref.replace("-", "/")) if ref else None
        measure = measures.get(f"eval:{row['number'] or order}"[:300])
        if node is not None and measure is not None:
            by_node.setdefault(node.pk, []).append(measure)
    for node_pk, candidates in by_node.items():
        for item in Item.objects.filter(placements__node_id=node_pk, predecessor__isnull=True).distinct():
            grams = _bigrams(item.title)
            best = max(candidates, key=lambda m: len(grams & _bigrams(m.title)) / (len(grams | _bigrams(m.title)) or 1))
            share = len(grams & _bigrams(best.title)) / (len(grams | _bigrams(best.title)) or 1)
            if share >= 0.25:
                item.predecessor = best
                item.save(update_fields=["predecessor"])


def _dedupe(entries):
    seen = {}
    for e in entries:
        k = (e.track, e.fiscal_year)
        if k in seen:  # two bars of one line starting in the same year: keep both texts
            seen[k].phase_text = f"{seen[k].phase_text} / {e.phase_text}"[:300]
            continue
        seen[k] = e
    return list(seen.values())
