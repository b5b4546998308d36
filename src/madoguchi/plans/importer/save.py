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
                Indicator.objects.create(item=item, kind=ind.kind, name=ind.name, unit=ind.unit, order=idx)
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
    return SaveResult(plan, created, len(seen_nodes), len(item_rows), placements, sections_created)


def _dedupe(entries):
    seen = {}
    for e in entries:
        k = (e.track, e.fiscal_year)
        if k in seen:  # two bars of one line starting in the same year: keep both texts
            seen[k].phase_text = f"{seen[k].phase_text} / {e.phase_text}"[:300]
            continue
        seen[k] = e
    return list(seen.values())
