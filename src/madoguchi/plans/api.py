"""Read-only API of published plans (/api/plans): the same data citizens see on the public page."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

router = Router(tags=["plans"])


class PlanOut(Schema):
    id: int
    title: str
    municipality: str
    municipality_code: str
    kind: str
    status: str
    start_year: int | None
    end_year: int | None
    level_names: list[str]


class ScheduleOut(Schema):
    track: str
    fiscal_year: int
    phase_text: str
    phase: str
    continues: bool


class IndicatorOut(Schema):
    kind: str
    name: str
    unit: str
    target: float | None
    actuals: dict[int, float]


class ItemOut(Schema):
    id: int
    number: str
    title: str
    sections: list[str]
    sections_text: str
    placements: list[str]
    schedule: list[ScheduleOut]
    indicators: list[IndicatorOut]


class NodeOut(Schema):
    id: int
    parent_id: int | None
    depth: int
    level_name: str
    number: str
    title: str


class PlanDetailOut(PlanOut):
    nodes: list[NodeOut]
    items: list[ItemOut]


def _plan_out(plan) -> dict:
    return dict(
        id=plan.pk,
        title=plan.title,
        municipality=plan.municipality.name,
        municipality_code=plan.municipality.code,
        kind=plan.kind,
        status=plan.status,
        start_year=plan.start_year,
        end_year=plan.end_year,
        level_names=plan.level_names,
    )


@router.get("/", response=list[PlanOut], summary="公開している計画の一覧")
def list_plans(request):
    from .models import Plan

    return [_plan_out(p) for p in Plan.objects.filter(is_public=True).select_related("municipality")]


@router.get("/{plan_id}", response={200: PlanDetailOut, 404: dict}, summary="計画の体系・取組・スケジュール・指標")
def plan_detail(request, plan_id: int):
    from .models import Plan

    plan = get_object_or_404(Plan.objects.select_related("municipality"), pk=plan_id, is_public=True)
    nodes = [
        dict(id=n.pk, parent_id=n.parent_id, depth=n.depth, level_name=plan.level_name(n.depth), number=n.number, title=n.title)
        for n in plan.nodes.order_by("order")
    ]
    items = []
    for item in plan.items.order_by("order").prefetch_related("schedule", "indicators__values", "section_links__section", "placements__node"):
        items.append(
            dict(
                id=item.pk,
                number=item.number,
                title=item.title,
                sections=[s.name for s in item.ordered_sections()],
                sections_text=item.sections_text,
                placements=[f"{p.node.number} {p.node.title}".strip() for p in item.placements.all()],
                schedule=[
                    dict(track=e.track, fiscal_year=e.fiscal_year, phase_text=e.phase_text, phase=e.phase, continues=e.continues) for e in item.schedule.all()
                ],
                indicators=[
                    dict(
                        kind=i.kind,
                        name=i.name,
                        unit=i.unit,
                        target=float(i.target) if i.target is not None else None,
                        actuals={v.fiscal_year: float(v.value) for v in i.values.all()},
                    )
                    for i in item.indicators.all()
                ],
            )
        )
    return 200, {**_plan_out(plan), "nodes": nodes, "items": items}
