"""Back-office and public views of the DX plan tracker. Thin: rules live in services.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from madoguchi.core import audit, validation
from madoguchi.core.models import AuditLog, Municipality, Section
from madoguchi.core.staff import staff_required
from madoguchi.core.tasks import enqueue
from madoguchi.core.wareki import fiscal_year

from . import charts, examples, exports, import_editor, services
from . import compare as compare_mod
from .forms import AcceptImportForm, BindIndicatorForm, ImportForm, ItemEditForm, ItemPredecessorForm, PlanSettingsForm, ReportForm, ReviewForm
from .importer import PlanImportError, fixes, parse_structured, save_preview, store_lines
from .importer.read import read_rows, sniff
from .models import Indicator, Item, Placement, Plan, PlanImport, ProgressReport


def _years(plan: Plan) -> list[int]:
    years = set(plan.years)
    for y in plan.items.values_list("schedule__fiscal_year", flat=True):
        if y:
            years.add(y)
    return list(range(min(years), max(years) + 1)) if years else []


def _tree(plan: Plan, items_qs=None):
    """Nodes with their placements, in document order, as a flat list with depth."""
    allowed = None if items_qs is None else set(items_qs.values_list("pk", flat=True))
    nodes = list(
        plan.nodes.order_by("order", "id").prefetch_related(Prefetch("placements", queryset=Placement.objects.select_related("item").order_by("order", "id")))
    )
    rows = []
    for node in nodes:
        placements = [p for p in node.placements.all() if allowed is None or p.item_id in allowed]
        rows.append({"node": node, "placements": placements})
    return rows


def _current_year(plan: Plan) -> int:
    year = fiscal_year(timezone.localdate())
    years = _years(plan)
    if years and year not in years:
        return years[0] if year < years[0] else years[-1]
    return year


# --- public ------------------------------------------------------------------------------
def public_list(request):
    municipality = Municipality.current()
    plans = Plan.objects.filter(is_public=True, is_example=False, municipality=municipality).order_by("-start_year") if municipality else Plan.objects.none()
    return render(request, "plans/public_list.html", {"plans": plans})


def public_detail(request, pk: int):
    plan = get_object_or_404(Plan, pk=pk, is_public=True)
    years = _years(plan)
    items = list(plan.items.order_by("order").prefetch_related("schedule", "section_links__section"))
    accepted = {}
    for r in ProgressReport.objects.filter(item__plan=plan, status=ProgressReport.Status.ACCEPTED).order_by("fiscal_year"):
        accepted[r.item_id] = r
    gantt = [{"item": it, "tracks": _gantt_tracks(it, years), "report": accepted.get(it.pk)} for it in items]
    context = {"plan": plan, "tree": _tree(plan), "years": years, "gantt": gantt, "linked_sections": _linked_sections(items)}
    return render(request, "plans/public_detail.html", context)


def _linked_sections(items) -> list[dict]:
    """Other apps' public pages linked to these items (市民参加 …), through the registry."""
    from madoguchi.core.registry import plan_item_links_for

    return [{"label": label, "rows": [(it, links[it.pk]) for it in items if it.pk in links]} for label, links in plan_item_links_for([it.pk for it in items])]


def _gantt_tracks(item: Item, years: list[int]):
    expanded = item.expanded_schedule(years)
    tracks = []
    for track, row in expanded.items():
        cells = [{"year": y, **row[y]} if y in row else {"year": y} for y in years]
        tracks.append({"label": track, "cells": cells})
    return tracks or [{"label": "", "cells": [{"year": y} for y in years]}]


# --- staff: plans ------------------------------------------------------------------------
@staff_required
def staff_plans(request):
    with examples.reading():  # the city's plans and the reference municipalities' examples
        plans = list(examples.visible_plans().select_related("municipality").order_by("is_example", "municipality__code", "-start_year"))
    return render(request, "plans/staff_plans.html", {"plans": plans, "is_reviewer": services.is_reviewer(request.user)})


@staff_required
def plan_tree(request, pk: int):
    with examples.viewing_plan(pk) as plan:
        if plan is None:
            raise Http404("計画が見つかりません。")
        items = services.visible_items(request.user, plan.items.all())
        return render(request, "plans/plan_tree.html", {"plan": plan, "tree": _tree(plan, items), "is_reviewer": services.is_reviewer(request.user)})


@staff_required
def gantt(request, pk: int):
    plan = get_object_or_404(Plan, pk=pk)
    years = _years(plan)
    items = services.visible_items(request.user, plan.items.all()).order_by("order").prefetch_related("schedule")
    rows = [{"item": it, "tracks": _gantt_tracks(it, years)} for it in items]
    return render(request, "plans/gantt.html", {"plan": plan, "years": years, "rows": rows})


@staff_required
def dashboard(request, pk: int):
    plan = get_object_or_404(Plan, pk=pk)
    years = _years(plan)
    year = validation.int_param(request.GET.get("year")) or _current_year(plan)
    items = services.visible_items(request.user, plan.items.all())
    data = services.dashboard(plan, year, items=items)
    figures = {
        "phase_chart": charts.phase_chart(data["phases"], year),
        "rating_chart": charts.rating_chart(data["ratings"], year),
        "report_chart": charts.report_status_chart(data["report_statuses"], data["item_count"], year),
        "achievement_chart": charts.achievement_chart(data["indicators"], year),
        "timeline": charts.schedule_timeline(plan, data["items"], years),
    }
    return render(request, "plans/dashboard.html", {"plan": plan, "year": year, "years": years, **data, **figures})


@staff_required
def evaluation(request, pk: int):
    plan = get_object_or_404(Plan, pk=pk)
    fmt = request.GET.get("format", "")
    if fmt:
        if not services.is_reviewer(request.user):
            raise PermissionDenied("評価一覧の出力は情報政策課が行います。")
        audit.record(AuditLog.Action.EXPORT, plan, request=request, detail={"format": fmt, "what": "evaluation"})
        name = f"evaluation-{plan.pk}"
        if fmt == "csv":
            resp = HttpResponse(exports.evaluation_csv(plan), content_type="text/csv; charset=utf-8")
        elif fmt == "xlsx":
            resp = HttpResponse(exports.evaluation_xlsx(plan), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        elif fmt == "pdf":
            resp = HttpResponse(exports.evaluation_pdf(plan), content_type="application/pdf")
        else:
            raise Http404("出力形式は xlsx・csv・pdf のいずれかです。")
        resp["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        return resp
    items = services.visible_items(request.user, plan.items.all())
    rows = services.evaluation_rows(plan, items=items)
    return render(
        request,
        "plans/evaluation.html",
        {
            "plan": plan,
            "headers": services.EVALUATION_HEADERS,
            "rows": rows,
            "is_reviewer": services.is_reviewer(request.user),
            "charts": charts.evaluation_charts(plan, rows),
        },
    )


@staff_required
def item_detail(request, pk: int):
    item = get_object_or_404(Item.objects.select_related("plan"), pk=pk)
    if not services.can_view_item(request.user, item):
        raise PermissionDenied("この取組を見る権限がありません。")
    plan = item.plan
    years = _years(plan)
    reports = {r.fiscal_year: r for r in item.reports.all()}
    indicators = list(item.indicators.prefetch_related("values"))
    return render(
        request,
        "plans/item_detail.html",
        {
            "plan": plan,
            "item": item,
            "years": years,
            "tracks": _gantt_tracks(item, years),
            "report_years": [(y, reports.get(y)) for y in years],
            "indicators": indicators,
            "can_file": services.can_file(request.user, item),
            "is_reviewer": services.is_reviewer(request.user),
            "placements": item.placements.select_related("node"),
            "linked_sections": _linked_sections([item]),
            "predecessor_form": ItemPredecessorForm(item=item, initial={"predecessor": item.predecessor_id}) if plan.predecessor_id else None,
            "bind_forms": [
                (
                    ind,
                    BindIndicatorForm(prefix=f"ind{ind.pk}", initial={"metric": ind.metric, "target": ind.target, "unit": ind.unit}),
                    charts.indicator_chart(ind, years),
                )
                for ind in indicators
            ],
        },
    )


@staff_required
@require_POST
def bind_indicator(request, pk: int):
    indicator = get_object_or_404(Indicator.objects.select_related("item__plan"), pk=pk)
    if not services.is_reviewer(request.user):
        raise PermissionDenied("指標の設定は情報政策課が行います。")
    form = BindIndicatorForm(request.POST, prefix=f"ind{indicator.pk}")
    if form.is_valid():
        indicator.metric = form.cleaned_data["metric"]
        indicator.target = form.cleaned_data["target"]
        indicator.unit = form.cleaned_data["unit"] or indicator.unit
        indicator.save()
        audit.record(AuditLog.Action.UPDATE, indicator, request=request, detail={"metric": indicator.metric})
        messages.success(request, "指標の設定を保存しました。")
        if indicator.metric:
            year = fiscal_year(timezone.localdate())
            services.fill_bound_indicators(year, plan=indicator.item.plan)
            indicator.refresh_from_db(fields=["metric_errors"])
            if indicator.metric_failed(year):
                messages.error(request, "集計エラー: 連動した数値を集計できませんでした。システムの記録を確認してください。")
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("plans:item", pk=indicator.item_id)


@staff_required
@require_http_methods(["GET", "POST"])
def report_form(request, pk: int, year: int):
    item = get_object_or_404(Item.objects.select_related("plan"), pk=pk)
    if not services.can_file(request.user, item):
        raise PermissionDenied("この取組の進捗報告を作成する権限がありません。")
    plan = item.plan
    if not (1989 <= year <= 2100):
        raise Http404
    report = item.reports.filter(fiscal_year=year).first()
    indicators = list(item.indicators.all())
    initial = {}
    if report:
        initial = {f: getattr(report, f) for f in ("rating", "direction", "done", "problems", "next_plan", "handover")}
    for ind in indicators:
        initial[f"indicator_{ind.pk}"] = ind.actual(year)
    locked = report is not None and (
        report.status == ProgressReport.Status.ACCEPTED or (report.status == ProgressReport.Status.SUBMITTED and not services.is_reviewer(request.user))
    )
    form = ReportForm(request.POST or None, plan=plan, indicators=indicators, initial=initial)
    if request.method == "POST" and not locked and form.is_valid():
        d = form.cleaned_data
        data = services.ReportInput(
            rating=d["rating"],
            direction=d["direction"],
            done=d["done"],
            problems=d["problems"],
            next_plan=d["next_plan"],
            handover=d["handover"],
            actuals={ind.pk: d.get(f"indicator_{ind.pk}") for ind in indicators if not ind.metric},
        )
        try:
            services.save_report(item, year, request.user, data, submit="submit" in request.POST)
        except ValidationError as exc:
            validation.add_to_form(form, exc)
        else:
            messages.success(request, "進捗報告を提出しました。情報政策課が確認します。" if "submit" in request.POST else "進捗報告を一時保存しました。")
            return redirect("plans:item", pk=item.pk)
    return render(request, "plans/report_form.html", {"plan": plan, "item": item, "year": year, "report": report, "form": form, "locked": locked})


@staff_required
def reports(request):
    """Review queue for 情報政策課 and the overdue list (scoped to what the user sees)."""
    is_reviewer = services.is_reviewer(request.user)
    items = services.visible_items(request.user, Item.objects.filter(plan__is_example=False))
    submitted = ProgressReport.objects.filter(item__in=items, status=ProgressReport.Status.SUBMITTED).select_related("item__plan")
    plans = Plan.objects.filter(is_example=False)
    overdue = services.overdue_reports(plans, items=items)
    returned, drafts = services.open_reports(items)
    return render(
        request,
        "plans/reports.html",
        {"submitted": submitted, "overdue": overdue, "returned": returned, "drafts": drafts, "is_reviewer": is_reviewer},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def review(request, pk: int):
    report = get_object_or_404(ProgressReport.objects.select_related("item__plan"), pk=pk)
    if not services.is_reviewer(request.user):
        raise PermissionDenied("進捗報告の確認は情報政策課が行います。")
    reopen = report.status == ProgressReport.Status.ACCEPTED
    if report.status not in (ProgressReport.Status.SUBMITTED, ProgressReport.Status.ACCEPTED):
        messages.info(request, "この報告は担当課が作成中（または差戻し中）のため、確認できません。")
        return redirect("plans:item", pk=report.item_id)
    form = ReviewForm(request.POST or None, reopen=reopen)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_report(report, request.user, accept=form.cleaned_data["decision"] == "accept", comment=form.cleaned_data["review_comment"])
        except ValidationError as exc:
            validation.add_to_form(form, exc)
        else:
            messages.success(request, "確認結果を保存しました。")
            return redirect("plans:reports")
    indicators = [(ind, ind.actual(report.fiscal_year)) for ind in report.item.indicators.all()]
    return render(request, "plans/review.html", {"report": report, "form": form, "indicators": indicators, "plan": report.item.plan, "reopen": reopen})


@staff_required
def section_view(request):
    sections = services.user_sections(request.user).filter(kind=Section.Kind.SECTION).order_by("name")
    wanted = validation.int_param(request.GET.get("section"))  # 30 digits: no 500 on SQLite
    section = (sections.filter(pk=wanted).first() if wanted else None) or sections.first()
    rows = services.section_rows(section) if section is not None else []
    return render(request, "plans/section.html", {"sections": sections, "section": section, "rows": rows})


@staff_required
def compare(request):
    with examples.reading():  # the city's plans beside the reference municipalities' examples
        plans = list(examples.visible_plans().select_related("municipality").order_by("municipality__code", "-start_year"))
        selected = [p for p in plans if str(p.pk) in request.GET.getlist("plan")] or plans
        theme = request.GET.get("theme") or compare_mod.THEMES[0]["code"]
        result = compare_mod.compare(selected, theme)
    rows = []
    for plan, matches in result["rows"]:
        for m in matches:
            cells = []
            for y in result["years"]:
                cell = next((row[y] for row in m.years.values() if y in row and row[y].get("start")), None) or next(
                    (row[y] for row in m.years.values() if y in row), None
                )
                cells.append({"year": y, **(cell or {})})
            rows.append({"plan": plan, "item": m.item, "cells": cells, "previous": m.previous})
    return render(
        request,
        "plans/compare.html",
        {"plans": plans, "selected": selected, "themes": compare_mod.THEMES, "theme": result["theme"], "years": result["years"], "rows": rows},
    )


# --- staff: import -----------------------------------------------------------------------
@staff_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    if not services.is_reviewer(request.user):
        raise PermissionDenied("計画の取込は情報政策課が行います。")
    form = ImportForm(request.POST or None, request.FILES or None, initial={"municipality": Municipality.current()})
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        large = len(data) > import_editor.WORKER_BYTES  # read in the worker, progress shown
        try:
            if large:
                sniff(data)
            else:
                rows = read_rows(data, upload.name)  # extracted once; the preview works from these
                parse_structured(rows)
        except PlanImportError as exc:
            form.add_error("file", str(exc))
        else:
            municipality = form.cleaned_data["municipality"]
            with examples.writing_for(municipality):  # a reference city's plan: an example
                imp = PlanImport.objects.create(
                    municipality=municipality,
                    filename=upload.name[:200],
                    content=data,
                    lines=None if large else store_lines(rows),
                    line_count=0 if large else len(rows),
                    extraction=PlanImport.Extraction.PENDING if large else PlanImport.Extraction.DONE,
                    created_by=request.user,
                )
                if large:
                    enqueue("plans.extract_import", dedupe_key=f"plans.extract_import:{imp.pk}", import_id=imp.pk)
            return redirect("plans:import_preview", pk=imp.pk)
    return render(request, "plans/import_upload.html", {"form": form})


@staff_required
@require_http_methods(["GET", "POST"])
def import_preview(request, pk: int):
    if not services.is_reviewer(request.user):
        raise PermissionDenied("計画の取込は情報政策課が行います。")
    # The active city's import, or a reference municipality's (an example plan): the preview
    # and the save then run for that municipality (plans.examples).
    with examples.reading_import(pk) as imp:
        if imp is None:
            raise Http404("取込が見つかりません。")
        return _import_preview(request, imp)


def _import_preview(request, imp: PlanImport):
    if imp.extraction != PlanImport.Extraction.DONE or import_editor.is_progress_poll(request):
        return import_editor.extraction_page(request, imp)
    pv = import_editor.load_preview(imp)  # the stored lines, staff's structure fixes replayed
    if request.method == "POST":
        response = import_editor.handle_post(request, imp, pv)
        if response is not None:
            return response
    fix_rows = fixes.apply(pv, imp.decisions or {})
    node_choices = fixes.node_choices(pv)
    if request.method == "POST" and "apply_fixes" in request.POST:
        allowed = {"", fixes.ACCEPT} | {fixes.ITEM_PREFIX + key for key, _label in node_choices}
        decisions = {}
        for _problem, pid, _current in fix_rows:
            value = request.POST.get(f"fix_{pid}", "")
            if value in allowed and value:
                decisions[pid] = value
        structure_ops = (imp.decisions or {}).get(import_editor.structure.STRUCTURE)
        imp.decisions = decisions | ({import_editor.structure.STRUCTURE: structure_ops} if structure_ops else {})
        imp.save(update_fields=["decisions"])
        messages.success(request, f"対応を反映しました（{len(decisions)}件）。")
        return redirect("plans:import_preview", pk=imp.pk)
    existing = services.match_existing_plan(imp.municipality, pv.title, imp.filename)
    refusal = import_editor.accept_rest_refusal(pv)  # the form and the editor both show it
    form = AcceptImportForm(
        request.POST or None,
        has_problems=bool(pv.problems),
        refusal=refusal,
        municipality=imp.municipality,
        initial={
            "title": pv.title,
            "kind": pv.kind or "other",
            "status": pv.status or "adopted",
            "start_year": pv.start_year,
            "end_year": pv.end_year,
            "update_plan": existing.pk if existing else None,
        },
    )
    if request.method == "POST" and "discard" in request.POST:
        imp.status = PlanImport.Status.DISCARDED
        imp.save(update_fields=["status"])
        messages.info(request, "取込を取りやめました。")
        return redirect("plans:import_upload")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        result = save_preview(
            pv,
            imp.municipality,
            title=d["title"],
            source_name=imp.filename,
            is_example=not imp.municipality.is_default,
            overrides={"kind": d["kind"], "status": d["status"], "start_year": d["start_year"], "end_year": d["end_year"]},
            target=d["update_plan"],
        )
        imp.status = PlanImport.Status.SAVED
        imp.plan = result.plan
        imp.save(update_fields=["status", "plan"])
        audit.record(
            AuditLog.Action.CREATE if result.created else AuditLog.Action.UPDATE,
            result.plan,
            request=request,
            detail={"import": imp.filename, "items": result.items},
        )
        messages.success(request, f"計画を{'保存' if result.created else '更新'}しました（取組 {result.items}件、掲載 {result.placements}件）。")
        return redirect("plans:tree", pk=result.plan.pk)
    rows = []
    for node, _parent in pv.walk():
        rows.append({"node": node, "placements": [(p, pv.items.get(p.item_key)) for p in node.placements]})
    years = sorted({e.fiscal_year for it in pv.items.values() for e in it.schedule})
    return render(
        request,
        "plans/import_preview.html",
        {
            "imp": imp,
            "pv": pv,
            "rows": rows,
            "form": form,
            "existing": existing,
            "years": years,
            "sections": pv.sections(),
            "placement_count": len(pv.placements),
            "fix_rows": fix_rows,
            "node_choices": node_choices,
            "item_prefix": fixes.ITEM_PREFIX,
            **import_editor.editor_context(request, imp, pv, refusal),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def plan_settings(request, pk: int):
    plan = get_object_or_404(Plan, pk=pk)
    if not services.is_reviewer(request.user):
        raise PermissionDenied("計画の設定は情報政策課が行います。")
    form = PlanSettingsForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        for field in (
            "title",
            "kind",
            "status",
            "start_year",
            "end_year",
            "predecessor",
            "is_public",
            "rating_scale",
            "direction_scale",
            "report_due_month",
            "report_due_day",
        ):
            setattr(plan, field, d[field])
        cycle = services.predecessor_cycle(plan, d["predecessor"])
        if Plan.objects.filter(municipality=plan.municipality, title=plan.title).exclude(pk=plan.pk).exists():
            form.add_error("title", "同じ自治体に同じ名前の計画があります。別の計画名を入力してください。")
        elif cycle:
            chain = " → ".join([plan.title] + [p.title for p in cycle])
            form.add_error(
                "predecessor",
                f"前計画をたどると元の計画に戻ってしまいます（{chain}）。この計画より前に策定された計画を選ぶか、「---------」（前計画なし）を選んでください。",
            )
        else:
            plan.save()
            audit.record(AuditLog.Action.UPDATE, plan, request=request, detail={"settings": True})
            messages.success(request, "計画の設定を保存しました。")
            return redirect("plans:tree", pk=plan.pk)
    return render(request, "plans/plan_settings.html", {"plan": plan, "form": form})


@staff_required
@require_POST
def item_predecessor(request, pk: int):
    item = get_object_or_404(Item.objects.select_related("plan"), pk=pk)
    if not services.is_reviewer(request.user):
        raise PermissionDenied("取組の設定は情報政策課が行います。")
    form = ItemPredecessorForm(request.POST, item=item)
    if form.is_valid():
        item.predecessor = form.cleaned_data["predecessor"]
        item.save(update_fields=["predecessor"])
        audit.record(AuditLog.Action.UPDATE, item, request=request, detail={"predecessor": item.predecessor_id})
        messages.success(request, "前計画の取組を設定しました。")
    else:
        messages.error(request, "前計画の取組は一覧から選んでください。")
    return redirect("plans:item", pk=item.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def item_edit(request, pk: int):
    item = get_object_or_404(Item.objects.select_related("plan__municipality"), pk=pk)
    if not services.is_reviewer(request.user):
        raise PermissionDenied("取組の編集は情報政策課が行います。")
    indicators = list(item.indicators.all())
    form = ItemEditForm(request.POST or None, item=item, indicators=indicators)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            changes = services.update_item(
                item,
                request.user,
                fields={f: d[f] for f in services.ITEM_TEXT_FIELDS},
                lead=d["lead_section"],
                related=list(d["related_sections"]),
                indicators=form.indicator_values(),
                request=request,
            )
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                for e in errs:
                    form.add_error(field if field in form.fields else None, e)
        else:
            messages.success(request, "取組を保存しました。" if changes else "変更はありませんでした。")
            return redirect("plans:item", pk=item.pk)
    return render(request, "plans/item_edit.html", {"plan": item.plan, "item": item, "form": form})
