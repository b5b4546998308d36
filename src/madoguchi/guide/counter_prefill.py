"""書かない窓口 from a まとめて来庁 booking: staff at one of its counters open the visit, see its
procedures with what the resident already told (the guide's answers, the event date) and start
each procedure's counter case with the form filled in from that and the resident's account.

Only when the resident chose to share (``VisitPlan.shared``); otherwise staff see the procedure
names and start an empty counter case, as for a walk-in. Every read and every prefilled case is
audited (``core.audit``) with the visit's code and the fields filled.

A step names which of its form's fields come from the guide with ``"fill"``:
``{"<form field key>": "<question key>" | "date"}`` (the answer's value, or the 基準日 as
YYYY-MM-DD); the account's 氏名・住所… come through the form's own ``prefill`` settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from madoguchi.applications import services as applications
from madoguchi.applications.models import Procedure, Submission
from madoguchi.core import audit, permissions
from madoguchi.core.models import AuditLog
from madoguchi.forms.engine import FormEngine
from madoguchi.reservations.services import normalise_code

from . import definition, itinerary
from .models import VisitPlan, VisitPlanStop

A = AuditLog.Action


def find(code: str) -> VisitPlan | None:
    """The plan by its own code or by the 予約番号 of any of its counters (the resident may show
    either: the email lists both)."""
    code = normalise_code(code)
    if not code:
        return None
    plan = VisitPlan.objects.filter(code=code).first()
    if plan is None:
        stop = VisitPlanStop.objects.filter(visit__code=code).select_related("plan").first()
        plan = stop.plan if stop else None
    return plan


def may_view(user, plan: VisitPlan) -> bool:
    """Staff of a section whose counter is on the visit (or who may view the guide's section)."""
    if permissions.can(user, "view", plan):
        return True
    return any(permissions.can(user, "view", stop.visit) for stop in plan.stops.select_related("visit__slot__counter__section"))


def step_definitions(plan: VisitPlan) -> dict:
    """step key → the raw step of the plan's guide version (for ``procedure`` and ``fill``)."""
    return {raw["key"]: raw for group in (plan.version.definition or {}).get("groups") or [] for raw in group.get("steps") or []}


@dataclass
class CounterStep:
    key: str
    title: str
    procedure: Procedure | None
    can_start: bool  # has a counter form and the staff member may change its procedure


def view(plan: VisitPlan, user, request=None) -> dict:
    """What staff see of the visit; the read is audited (the resident's answers are personal data)."""
    if not may_view(user, plan):
        raise PermissionDenied
    rows = itinerary.rows(plan)
    raws = step_definitions(plan)
    slugs = {raws.get(s.key, {}).get("procedure") for r in rows for s in r.steps} - {None}
    procedures = {p.slug: p for p in Procedure.objects.filter(slug__in=slugs).select_related("section")}
    stops = []
    for row in rows:
        steps = []
        for s in row.steps:
            procedure = procedures.get(raws.get(s.key, {}).get("procedure"))
            can_start = bool(procedure and procedure.can_take_at_counter and permissions.can(user, "change", procedure))
            steps.append(CounterStep(key=s.key, title=s.title, procedure=procedure, can_start=can_start))
        stops.append((row, steps))
    answered = []
    if plan.shared:
        checklist = definition.build(
            plan.version.definition, plan.answers, event_date=plan.event_date, procedures={}, municipality=plan.municipality, language="ja"
        )
        answered = checklist.answered
        if plan.event_date:
            answered = [(checklist.event_date_label, plan.event_date.isoformat()), *answered]
    audit.record(A.VIEW, plan, request=request, actor=user, detail={"code": plan.code, "resident": plan.user_id, "shared": plan.shared})
    return {"plan": plan, "stops": stops, "answered": answered, "resident": plan.user if plan.shared else None, "title": itinerary.title(plan)}


def prefilled_answers(plan: VisitPlan, raw_step: dict, engine: FormEngine) -> dict:
    """The counter form's answers from the resident's account and the guide (shared plans only)."""
    if not plan.shared:
        return {}
    answers = engine.prefill(plan.user)
    fill = raw_step.get("fill") or {}
    if isinstance(fill, dict):
        for field_key, source in fill.items():
            if field_key not in engine.fields:
                continue
            value = plan.event_date.isoformat() if source == "date" and plan.event_date else plan.answers.get(source)
            if value not in (None, ""):
                answers[field_key] = value
    return answers


def start_case(plan: VisitPlan, step_key: str, user, request=None) -> Submission:
    """Open the 書かない窓口 case of one of the visit's procedures, filled in (see module doc)."""
    if not may_view(user, plan):
        raise PermissionDenied
    if step_key not in plan.steps:
        raise ValidationError("この手続はこの来庁の予約にありません。")
    raw = step_definitions(plan).get(step_key) or {}
    procedure = Procedure.objects.filter(slug=raw.get("procedure") or "").first()
    if procedure is None or not procedure.can_take_at_counter:
        raise ValidationError("この手続には窓口で入力する申請書がありません。")
    permissions.require(user, "change", procedure)
    with transaction.atomic():
        case = applications.start_draft(procedure, channel=Submission.Channel.COUNTER, taken_by=user)
        answers = prefilled_answers(plan, raw, FormEngine(case.form_version))
        if answers:
            case.answers = {**case.answers, **answers}
            case.save(update_fields=["answers"])
        audit.record(
            A.CREATE,
            case,
            request=request,
            actor=user,
            detail={"visit_plan": plan.code, "step": step_key, "prefilled": sorted(answers), "resident": plan.user_id},
        )
    return case
