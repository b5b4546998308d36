"""Domain rules of the yearly cycle: who sees which items, filing and reviewing progress
reports, overdue reports, bound indicators, the dashboard and the end-of-plan evaluation."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from madoguchi.core import audit, notify
from madoguchi.core.models import AuditLog, Section
from madoguchi.core.permissions import is_platform_admin, section_ids
from madoguchi.core.wareki import fiscal_year as fiscal_year_of

from . import metrics
from .models import Indicator, IndicatorValue, Item, ItemSection, Phase, Plan, ProgressReport


# --- who may do what ---------------------------------------------------------------------
def is_reviewer(user) -> bool:
    """情報政策課: the platform admin, or staff of a section flagged is_information_policy."""
    if is_platform_admin(user):
        return True
    if not (user and user.is_authenticated):
        return False
    return user.staff_roles.filter(section__is_information_policy=True).exists()


def items_of_sections(section_ids_, qs=None):
    """The one rule of responsibility: an item belongs to a section if the section is listed on
    it (主管課 or 関係課), or if it is given to 各課 in the section's municipality. Example plans
    (other municipalities') belong to nobody. Used for seeing, filing and the section view."""
    qs = qs if qs is not None else Item.objects.all()
    ids = set(section_ids_ or ())
    if not ids:
        return qs.none()
    municipalities = Section.objects.filter(pk__in=ids).values_list("municipality_id", flat=True)
    return (
        qs.filter(plan__is_example=False)
        .filter(Q(section_links__section_id__in=ids) | Q(all_sections=True, plan__municipality_id__in=list(municipalities)))
        .distinct()
    )


def visible_items(user, qs=None):
    """Sections see the items they are responsible for (and items given to 各課); reviewers see all."""
    qs = qs if qs is not None else Item.objects.all()
    if is_reviewer(user):
        return qs
    return items_of_sections(section_ids(user, "view"), qs)


def can_view_item(user, item: Item) -> bool:
    return visible_items(user, Item.objects.filter(pk=item.pk)).exists()


def can_file(user, item: Item) -> bool:
    """Staff with change rights in a responsible section (same rule as ``visible_items``:
    listed sections, or every section when the item is given to 各課) or a reviewer."""
    if item.plan.is_example:
        return False
    if is_reviewer(user):
        return True
    return items_of_sections(section_ids(user, "change"), Item.objects.filter(pk=item.pk)).exists()


def user_sections(user):
    if is_platform_admin(user):
        return Section.objects.all()
    return Section.objects.filter(pk__in=section_ids(user, "view") or set())


# --- plans -------------------------------------------------------------------------------
def predecessor_cycle(plan: Plan, predecessor: Plan | None) -> list[Plan]:
    """The chain that would loop back to ``plan`` if ``predecessor`` became its 前計画
    (e.g. A→B→A), or [] when there is no loop."""
    chain, seen, current = [], set(), predecessor
    while current is not None and current.pk not in seen:
        chain.append(current)
        if current.pk == plan.pk:
            return chain
        seen.add(current.pk)
        current = current.predecessor
    return []


_DRAFT_SUFFIX = re.compile(r"[\s\u3000]*[（(]\s*(?:素)?案\s*[）)][\s\u3000]*$")


def plan_title_key(title: str) -> str:
    """A title without a trailing （案）/(案)/（素案） and surrounding spaces, for matching a
    revised document to the plan imported from its draft."""
    return _DRAFT_SUFFIX.sub("", (title or "").strip()).strip()


def match_existing_plan(municipality, title: str, source_name: str = "") -> Plan | None:
    """The plan a re-imported document should update by default: the municipality's plan saved
    from the same file name, else the one whose title matches ignoring a trailing （案）."""
    plans = Plan.objects.filter(municipality=municipality)
    if source_name:
        found = plans.filter(source_name=source_name[:200]).order_by("-updated_at").first()
        if found is not None:
            return found
    key = plan_title_key(title)
    if not key:
        return None
    return next((p for p in plans.order_by("-updated_at") if plan_title_key(p.title) == key), None)


# --- editing items after import ----------------------------------------------------------
ITEM_TEXT_FIELDS = ("number", "title", "description", "goal", "current_state", "issues", "process", "all_sections")
INDICATOR_EDIT_FIELDS = ("baseline", "baseline_year", "target", "target_year")


@transaction.atomic
def update_item(item: Item, user, *, fields: dict, lead: Section | None, related: list[Section], indicators: dict | None = None, request=None) -> dict:
    """情報政策課 sets an item's responsible sections (主管課 first, then 関係課), its texts and
    its indicators' baseline and target. Returns what changed (also written to the audit log)."""
    if not is_reviewer(user):
        raise PermissionDenied("取組の編集は情報政策課が行います。")
    item = Item.objects.select_for_update().get(pk=item.pk)
    municipality_id = item.plan.municipality_id
    wanted = ([lead] if lead is not None else []) + [s for s in related if lead is None or s.pk != lead.pk]
    if any(s.municipality_id != municipality_id for s in wanted):
        raise ValidationError({"related_sections": "この計画の自治体の課から選んでください。"})
    if related and lead is None:
        raise ValidationError({"lead_section": "関係課を選ぶときは、主管課も1つ選んでください。"})
    changes: dict = {}
    for name in ITEM_TEXT_FIELDS:
        if name in fields and getattr(item, name) != fields[name]:
            changes[name] = {"from": getattr(item, name), "to": fields[name]}
            setattr(item, name, fields[name])
    before = [s.name for s in item.ordered_sections()]
    after = [s.name for s in wanted]
    if before != after:
        changes["sections"] = {"from": before, "to": after}
        ItemSection.objects.filter(item=item).delete()
        ItemSection.objects.bulk_create(
            [ItemSection(municipality_id=item.municipality_id, item=item, section=s, is_lead=(i == 0), order=i) for i, s in enumerate(wanted)]
        )
    if changes:
        item.save()
    for ind in item.indicators.filter(pk__in=list((indicators or {}).keys())):
        values = indicators[ind.pk]
        diff = {}
        for name in INDICATOR_EDIT_FIELDS:
            if name in values and getattr(ind, name) != values[name]:
                diff[name] = {
                    "from": str(getattr(ind, name)) if getattr(ind, name) is not None else None,
                    "to": str(values[name]) if values[name] is not None else None,
                }
                setattr(ind, name, values[name])
        if diff:
            ind.save()
            changes.setdefault("indicators", {})[ind.name] = diff
    if changes:
        audit.record(
            AuditLog.Action.UPDATE, item, request=request, actor=user, detail={"edit": changes}
        )  # texts, flags and str() of indicator values: JSON as is
    return changes


def report_year(plan: Plan, today: dt.date | None = None) -> int:
    """The fiscal year whose report is currently due. A year's report is due by the plan's
    deadline in the next fiscal year (e.g. 令和7年度 → 2026-05-31), so until that deadline the
    year just closed is the one to report on; after it, the current year. Kept inside the plan
    period."""
    today = today or timezone.localdate()
    current = fiscal_year_of(today)
    year = current - 1 if today <= plan.report_deadline(current - 1) else current
    if plan.start_year and year < plan.start_year:
        year = plan.start_year
    if plan.end_year and year > plan.end_year:
        year = plan.end_year
    return year


@dataclass
class ReportInput:
    rating: str = ""
    direction: str = ""
    done: str = ""
    problems: str = ""
    next_plan: str = ""
    handover: str = ""
    actuals: dict | None = None  # indicator id → Decimal | None


@transaction.atomic
def save_report(item: Item, fiscal_year: int, user, data: ReportInput, *, submit: bool) -> ProgressReport:
    if not can_file(user, item):
        raise PermissionDenied("この取組の進捗報告を作成する権限がありません。")
    plan = item.plan
    report, created = ProgressReport.objects.select_for_update().get_or_create(item=item, fiscal_year=fiscal_year)
    if report.status == ProgressReport.Status.ACCEPTED:
        raise ValidationError("確認済の報告は変更できません。変更が必要な場合は情報政策課に差戻しを依頼してください。")
    if report.status == ProgressReport.Status.SUBMITTED and not is_reviewer(user):
        raise ValidationError("提出済の報告は情報政策課の確認中のため変更できません。")
    errors = {}
    if data.rating and data.rating not in {r["code"] for r in plan.rating_scale}:
        errors["rating"] = "達成状況は一覧から選んでください。"
    if data.direction and data.direction not in {r["code"] for r in plan.direction_scale}:
        errors["direction"] = "今後の方向性は一覧から選んでください。"
    if submit:
        if not data.rating:
            errors["rating"] = "提出するには達成状況を選んでください。"
        if not data.done.strip():
            errors["done"] = "提出するには実施内容を入力してください。"
    if errors:
        raise ValidationError(errors)
    for field in ("rating", "direction", "done", "problems", "next_plan", "handover"):
        setattr(report, field, getattr(data, field))
    if submit:
        report.status = ProgressReport.Status.SUBMITTED
        report.submitted_by = user
        report.submitted_at = timezone.now()
    elif report.status != ProgressReport.Status.RETURNED:
        report.status = ProgressReport.Status.DRAFT
    report.save()
    for ind_id, value in (data.actuals or {}).items():
        indicator = item.indicators.filter(pk=ind_id).first()
        if indicator is None or indicator.metric:
            continue  # a bound indicator fills itself
        if value is None:
            IndicatorValue.objects.filter(indicator=indicator, fiscal_year=fiscal_year, source=IndicatorValue.Source.REPORT).delete()
        else:
            IndicatorValue.objects.update_or_create(
                indicator=indicator, fiscal_year=fiscal_year, defaults={"value": value, "source": IndicatorValue.Source.REPORT}
            )
    audit.record(
        AuditLog.Action.CREATE if created else AuditLog.Action.UPDATE,
        report,
        actor=user,
        detail={"fiscal_year": fiscal_year, "status": report.status, "submit": submit},
    )
    return report


@transaction.atomic
def review_report(report: ProgressReport, user, *, accept: bool, comment: str = "") -> ProgressReport:
    if not is_reviewer(user):
        raise PermissionDenied("進捗報告の確認は情報政策課が行います。")
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    previous = report.status
    reopening = previous == ProgressReport.Status.ACCEPTED
    if reopening and accept:
        raise ValidationError({"decision": "この報告はすでに確認済です。直す必要があるときは「差し戻す」を選び、理由を入力してください。"})
    if previous not in (ProgressReport.Status.SUBMITTED, ProgressReport.Status.ACCEPTED):
        raise ValidationError("提出済の報告を確認するか、確認済の報告を差し戻すことができます。この報告は担当課が作成中です。")
    if not accept and not comment.strip():
        raise ValidationError({"review_comment": "差し戻す理由（直してほしい点）を入力してください。"})
    report.status = ProgressReport.Status.ACCEPTED if accept else ProgressReport.Status.RETURNED
    report.reviewed_by = user
    report.reviewed_at = timezone.now()
    report.review_comment = comment.strip()
    report.save()
    audit.record(
        AuditLog.Action.APPROVE if accept else AuditLog.Action.UPDATE,
        report,
        actor=user,
        detail={"review": "accepted" if accept else ("reopened" if reopening else "returned"), "previous": previous, "comment": comment[:500]},
    )
    if not accept:
        notify_returned(report)
    return report


def sections_to_notify(report: ProgressReport) -> list[Section]:
    """The sections that filed the report: the item's sections the submitter belongs to, else
    the item's lead section."""
    item = report.item
    linked = item.ordered_sections()
    if report.submitted_by_id:
        own = set(report.submitted_by.staff_roles.values_list("section_id", flat=True))
        mine = [s for s in linked if s.pk in own]
        if not mine and item.all_sections:
            mine = list(Section.objects.filter(pk__in=own, municipality=item.plan.municipality))
        if mine:
            return mine
    return linked[:1]


def notify_returned(report: ProgressReport) -> list[str]:
    """Email the filing section(s) that a report was returned, with the reason and the link."""
    to = sorted({s.email for s in sections_to_notify(report) if s.email})
    if not to:
        return []
    item = report.item
    notify.send_template(
        to,
        "plans/email/returned",
        {"report": report, "item": item},
        municipality=item.plan.municipality,
        dedupe_key=f"plans.returned:{report.pk}:{int(report.reviewed_at.timestamp())}",
    )
    return to


@dataclass
class SectionRow:
    item: Item
    fiscal_year: int
    report: ProgressReport | None

    @property
    def deadline(self) -> dt.date:
        return self.item.plan.report_deadline(self.fiscal_year)


def section_rows(section: Section, today: dt.date | None = None) -> list[SectionRow]:
    """The section's items, each with the fiscal year whose report is currently due and that
    year's report (status and 差戻し理由), in plan and document order."""
    items = sorted(items_of_sections({section.pk}).select_related("plan"), key=lambda i: (i.plan_id, i.order))
    years = {}
    for item in items:
        if item.plan_id not in years:
            years[item.plan_id] = report_year(item.plan, today)
    wanted = {(i.pk, years[i.plan_id]) for i in items}
    reports = {
        (r.item_id, r.fiscal_year): r
        for r in ProgressReport.objects.filter(item__in=[i.pk for i in items], fiscal_year__in=set(years.values()))
        if (r.item_id, r.fiscal_year) in wanted
    }
    return [SectionRow(i, years[i.plan_id], reports.get((i.pk, years[i.plan_id]))) for i in items]


def open_reports(items):
    """Returned (差戻し) and draft (作成中) reports of the given items, returned first."""
    qs = ProgressReport.objects.filter(item__in=items, status__in=[ProgressReport.Status.RETURNED, ProgressReport.Status.DRAFT])
    qs = qs.select_related("item__plan").order_by("item__plan", "item__order", "-fiscal_year")
    returned = [r for r in qs if r.status == ProgressReport.Status.RETURNED]
    drafts = [r for r in qs if r.status == ProgressReport.Status.DRAFT]
    return returned, drafts


@dataclass
class Overdue:
    item: Item
    fiscal_year: int
    deadline: dt.date
    report: ProgressReport | None


def overdue_reports(plans, today: dt.date | None = None, items=None) -> list[Overdue]:
    """Reports not submitted (or returned and not resubmitted) after the plan's deadline."""
    today = today or timezone.localdate()
    result = []
    for plan in plans:
        if plan.is_example or not plan.start_year:
            continue
        years = [y for y in range(plan.start_year, (plan.end_year or plan.start_year) + 1) if plan.report_deadline(y) < today]
        if not years:
            continue
        plan_items = (items if items is not None else Item.objects.all()).filter(plan=plan)
        reports = {(r.item_id, r.fiscal_year): r for r in ProgressReport.objects.filter(item__plan=plan, fiscal_year__in=years)}
        for item in plan_items.order_by("order"):
            for y in years:
                r = reports.get((item.pk, y))
                if r is None or r.status in (ProgressReport.Status.DRAFT, ProgressReport.Status.RETURNED):
                    result.append(Overdue(item, y, plan.report_deadline(y), r))
    return result


# --- bound indicators --------------------------------------------------------------------
def fill_bound_indicators(fiscal_year: int, plan: Plan | None = None) -> int:
    """Write each bound indicator's actual for the fiscal year from the platform's figures.

    A metric whose app is not installed is skipped (shown as 未導入). A metric that fails is
    logged by ``compute_metric`` and marked on the indicator for that year (「集計エラー」); no
    value is written, so a good stored value is kept. Returns how many values were written."""
    qs = Indicator.objects.exclude(metric="").select_related("item__plan__municipality")
    if plan is not None:
        qs = qs.filter(item__plan=plan)
    year_key = str(fiscal_year)
    n = 0
    for indicator in qs:
        if not metrics.available(indicator.metric):
            continue
        try:
            value = metrics.compute(indicator.metric, indicator.item.plan.municipality, fiscal_year)
        except metrics.MetricError:
            indicator.metric_errors = {**indicator.metric_errors, year_key: timezone.now().isoformat(timespec="seconds")}
            indicator.save(update_fields=["metric_errors"])
            continue
        if year_key in indicator.metric_errors:
            indicator.metric_errors = {y: at for y, at in indicator.metric_errors.items() if y != year_key}
            indicator.save(update_fields=["metric_errors"])
        if value is None:
            continue
        IndicatorValue.objects.update_or_create(
            indicator=indicator,
            fiscal_year=fiscal_year,
            defaults={"value": value, "source": IndicatorValue.Source.METRIC, "note": metrics.label(indicator.metric)},
        )
        n += 1
    return n


# --- dashboard and evaluation --------------------------------------------------------------
def dashboard(plan: Plan, fiscal_year: int, items=None) -> dict:
    items = list((items if items is not None else plan.items.all()).prefetch_related("schedule", "indicators__values"))
    phases = Counter(item.phase_in(fiscal_year) for item in items)
    reports = {r.item_id: r for r in ProgressReport.objects.filter(item__in=items, fiscal_year=fiscal_year)}
    ratings = Counter(reports[i.pk].rating if i.pk in reports and reports[i.pk].rating else "" for i in items)
    indicators = []
    for item in items:
        for ind in item.indicators.all():
            actual = next((v.value for v in ind.values.all() if v.fiscal_year == fiscal_year), None)
            ratio = None
            if actual is not None and ind.target:
                ratio = int((Decimal(actual) * 100 / ind.target).quantize(Decimal("1")))
            unavailable = bool(ind.metric) and not metrics.available(ind.metric)
            error = ind.metric_failed(fiscal_year)  # last computation failed: the actual may be stale
            indicators.append({"indicator": ind, "item": item, "actual": actual, "ratio": ratio, "unavailable": unavailable, "error": error})
    return {
        "phases": [(label, phases.get(code, 0)) for code, label in Phase.choices] + [("予定なし", phases.get("", 0))],
        "ratings": [(r["label"], ratings.get(r["code"], 0)) for r in plan.rating_scale] + [("未報告", ratings.get("", 0))],
        "indicators": indicators,
        "overdue": overdue_reports([plan], items=Item.objects.filter(pk__in=[i.pk for i in items])),
        "item_count": len(items),
        "items": items,  # with their schedules (the timeline)
        "report_statuses": Counter(r.status for r in reports.values()),
    }


EVALUATION_HEADERS = ["番号", "施策名", "主管課", "関係課", "達成状況", "方向性", "引継ぎ"]


def evaluation_rows(plan: Plan, items=None) -> list[list[str]]:
    """The end-of-plan evaluation (番号, 施策名, 主管課, 関係課, 達成状況, 方向性, 引継ぎ) from the
    latest accepted report of each item (else the latest report, marked as not yet confirmed)."""
    rows = []
    for item in (items if items is not None else plan.items.all()).order_by("order").prefetch_related("section_links__section", "reports"):
        sections = item.ordered_sections()
        reports = sorted(item.reports.all(), key=lambda r: r.fiscal_year, reverse=True)
        report = next((r for r in reports if r.status == ProgressReport.Status.ACCEPTED), None) or next(iter(reports), None)
        rating = plan.rating_label(report.rating) if report else ""
        if report and report.status != ProgressReport.Status.ACCEPTED and rating:
            rating += "（未確認）"
        related = [s.name for s in sections[1:]]
        if item.all_sections:
            related.append("各課")
        rows.append(
            [
                item.number,
                item.title,
                sections[0].name if sections else ("各課" if item.all_sections else ""),
                "、".join(related),
                rating,
                plan.direction_label(report.direction) if report else "",
                (report.handover or report.next_plan) if report else "",
            ]
        )
    return rows
